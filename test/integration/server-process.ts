import assert from 'node:assert/strict'
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'

export interface Started { port: number, lines: string[], child: ChildProcess }

/**
 * Starts the service on a free port, as `node --import tsx src/server.ts` (or `npm start` when
 * `command` says so), and resolves once it logs where it listens. A start from npm runs in its
 * own process group, so `process.kill(-child.pid)` reaches whatever npm left behind.
 */
export async function startServer (env: Record<string, string>, command: 'node' | 'npm' = 'node'): Promise<Started> {
  // no re-distillation unless a test asks for it (WORKER=embedded): its runs would load the machine
  const options: SpawnOptions = { env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', WORKER: 'off', ...env }, stdio: ['ignore', 'pipe', 'pipe'] }
  const child = command === 'node'
    ? spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], options)
    : spawn('npm', ['start', '--silent'], { ...options, detached: true })
  const lines: string[] = []
  return await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! })
      .on('line', (line) => {
        lines.push(line)
        const match = /listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(line)
        if (match !== null) resolve({ port: Number(match[1]), lines, child })
      })
      .on('close', () => reject(new Error(`server exited before listening: ${lines.join('\n')}`)))
  })
}

/** Resolves once the server has logged a line with this message. */
export async function logged ({ lines }: Started, msg: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!lines.some((line) => line.includes(`"msg":"${msg}`))) {
    if (Date.now() > deadline) assert.fail(`no "${msg}" in the log within ${timeoutMs} ms`)
    await sleep(5)
  }
}

export interface Raw {
  socket: Socket
  received: () => string
  /** Milliseconds from connecting to the close; `error` is the socket's error code, if any (ECONNRESET). */
  closed: Promise<{ ms: number, error: string | undefined }>
}

/** A raw HTTP/1.1 connection to 127.0.0.1:port. */
export async function rawConnection (port: number): Promise<Raw> {
  const socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  const started = performance.now()
  let data = ''
  let error: string | undefined
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => { data += chunk })
  socket.on('error', (err: NodeJS.ErrnoException) => { error = err.code })
  const closed = new Promise<{ ms: number, error: string | undefined }>((resolve) => {
    socket.once('close', () => resolve({ ms: performance.now() - started, error }))
  })
  return { socket, received: () => data, closed }
}

/** Resolves with `closed`, or fails once `limitMs` has passed without the server closing the socket. */
export async function closedWithin (raw: Raw, limitMs: number): Promise<number> {
  const timeout = sleep(limitMs).then(() => undefined)
  const closed = await Promise.race([raw.closed, timeout])
  raw.socket.destroy()
  assert.ok(closed !== undefined, `still open after ${limitMs} ms`)
  return closed.ms
}

export interface RawResponse { status: number, headers: Record<string, string>, body: string }

/** Waits for the next whole response (Content-Length bodies only) after `from` characters received. */
export async function nextResponse (raw: Raw, from = 0, timeoutMs = 5000): Promise<RawResponse & { end: number }> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const text = raw.received().slice(from)
    const head = text.indexOf('\r\n\r\n')
    if (head >= 0) {
      const [statusLine, ...headerLines] = text.slice(0, head).split('\r\n')
      const headers = Object.fromEntries(headerLines.map((l) => {
        const colon = l.indexOf(':')
        return [l.slice(0, colon).trim().toLowerCase(), l.slice(colon + 1).trim()]
      }))
      const length = Number(headers['content-length'] ?? 0)
      if (text.length >= head + 4 + length) {
        return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(head + 4, head + 4 + length), end: from + head + 4 + length }
      }
    }
    if (raw.socket.destroyed || Date.now() > deadline) {
      assert.fail(`no whole response (socket ${raw.socket.destroyed ? 'closed' : 'open'}); received: ${JSON.stringify(text)}`)
    }
    await sleep(5)
  }
}
