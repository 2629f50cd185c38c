import { STATUS_CODES, type IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { ConnectionError } from 'fastify'
import type { Logger } from 'pino'
import { errorBody, toConnectionErrorBody, type ErrorBody } from '../errors.js'

// sockets this handler answered: a request still in flight on one is counted here, not again on abort
const answered = new WeakSet<Socket>()
// the client closed the connection (mid-request): nobody is left to answer
const CLIENT_GONE = new Set(['ECONNRESET', 'HPE_INVALID_EOF_STATE'])

export function wasAnswered (socket: Socket | null): boolean {
  return socket !== null && answered.has(socket)
}

/**
 * Answers what Node's HTTP parser rejects before a request exists (malformed HTTP, headers
 * too large, a request or its headers not received in time) with the error shape every other
 * error has, logs it without a stack and counts it. A connection the client closed has no one to
 * answer; a request in flight on it is counted by the onRequestAbort hook.
 */
export function connectionErrorHandler (log: Logger, onAnswered: (statusCode: number) => void) {
  return function handleConnectionError (err: ConnectionError, socket: Socket): void {
    if (CLIENT_GONE.has(err.code) || socket.destroyed) {
      log.debug({ cause: err.code }, 'connection closed by the client')
      socket.destroy()
      return
    }
    const body = toConnectionErrorBody(err)
    log.info({ code: body.code, cause: err.code }, 'connection rejected')
    answered.add(socket)
    onAnswered(body.statusCode)
    answerAndClose(socket, body)
  }
}

/**
 * Answers a CONNECT request (Node hands it to the server's 'connect' listeners, or closes the
 * socket without a word when there is none): this service is no proxy, so 400 in the error shape.
 */
export function connectRefusal (log: Logger, onAnswered: (statusCode: number) => void) {
  const body = errorBody('BAD_REQUEST', 'CONNECT is not supported: this service is not a proxy')
  return function refuseConnect (_request: IncomingMessage, socket: Duplex): void {
    log.info({ code: body.code, method: 'CONNECT' }, 'connection rejected')
    onAnswered(body.statusCode)
    answerAndClose(socket, body)
  }
}

function answerAndClose (socket: Duplex, body: ErrorBody): void {
  if (socket.writable) {
    const json = JSON.stringify(body)
    socket.write(`HTTP/1.1 ${body.statusCode} ${STATUS_CODES[body.statusCode]}\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`)
  }
  socket.destroy()
}
