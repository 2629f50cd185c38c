import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import type { App } from '../../src/app.js'

export interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
  /** The bytes as received, for what a parse could hide. */
  raw: string
}

/** Listens on 127.0.0.1 on a free port; returns the port. */
export async function listen (app: App): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return (app.server.address() as AddressInfo).port
}

export interface SendOptions {
  /** Sent this long after the first bytes (a slow client). */
  later?: { afterMs: number, text: string }
  /** Give up (and close) after this long. */
  timeoutMs?: number
  /** Close the connection this long after sending, without waiting for an answer. */
  abortAfterMs?: number
}

/** Writes raw bytes on a fresh connection and reads until the server closes it or a response is complete. */
export async function sendRaw (port: number, text: string, options: SendOptions = {}): Promise<RawResponse | undefined> {
  const socket = connect(port, '127.0.0.1')
  let received = ''
  socket.setEncoding('latin1')
  socket.on('data', (chunk: string) => { received += chunk })
  socket.on('error', () => {})
  const timers: NodeJS.Timeout[] = []
  const done = new Promise<void>((resolve) => {
    socket.on('close', () => resolve())
    socket.on('data', () => { if (complete(received)) resolve() })
    timers.push(setTimeout(resolve, options.timeoutMs ?? 3000))
    if (options.abortAfterMs !== undefined) timers.push(setTimeout(() => { socket.destroy(); resolve() }, options.abortAfterMs))
  })
  socket.write(text, 'latin1')
  if (options.later !== undefined) {
    const { afterMs, text: rest } = options.later
    timers.push(setTimeout(() => { if (!socket.destroyed) socket.write(rest, 'latin1') }, afterMs))
  }
  await done
  for (const timer of timers) clearTimeout(timer)
  socket.destroy()
  return parse(received)
}

function complete (received: string): boolean {
  const response = parse(received)
  if (response === undefined) return false
  const length = response.headers['content-length']
  return length !== undefined && Buffer.byteLength(response.body, 'latin1') >= Number(length)
}

function parse (received: string): RawResponse | undefined {
  const end = received.indexOf('\r\n\r\n')
  if (end === -1) return undefined
  const [statusLine, ...lines] = received.slice(0, end).split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: received.slice(end + 4), raw: received }
}
