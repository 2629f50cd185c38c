/**
 * A full garbage collection in another Node process started with `--inspect=127.0.0.1:<port>`,
 * through the inspector's HeapProfiler.collectGarbage, so the heap read from /metrics after it is
 * what is still referenced (before and after the swaps), not how far the last GC happened to get.
 * Node 20 has no WebSocket client without a flag: this speaks the few frames it needs itself.
 */
import { randomBytes } from 'node:crypto'
import { request } from 'node:http'
import type { Socket } from 'node:net'

const TIMEOUT_MS = 30_000

export async function collectGarbage (inspectPort: number, times = 2): Promise<void> {
  const { socket, head } = await connect(inspectPort)
  try {
    const answers = new Answers(socket, head)
    // two: objects kept alive by finalizers or weak references of the first go in the second
    for (let id = 1; id <= times; id++) {
      socket.write(maskedTextFrame(JSON.stringify({ id, method: 'HeapProfiler.collectGarbage' })))
      await answers.waitFor(id)
    }
  } finally {
    socket.destroy()
  }
}

/**
 * Starts the V8 CPU profiler in the process (1 ms samples); the returned function stops it and
 * gives the profile (a .cpuprofile's JSON: open it in Chrome DevTools, or read its samples'
 * timestamps to see what held the event loop).
 */
export async function startCpuProfile (inspectPort: number): Promise<() => Promise<unknown>> {
  const { socket, head } = await connect(inspectPort)
  const answers = new Answers(socket, head)
  const send = async (id: number, method: string, params: object = {}): Promise<unknown> => {
    socket.write(maskedTextFrame(JSON.stringify({ id, method, params })))
    await answers.waitFor(id)
    return answers.result(id)
  }
  try {
    await send(1, 'Profiler.enable')
    await send(2, 'Profiler.setSamplingInterval', { interval: 1000 })
    await send(3, 'Profiler.start')
  } catch (err) {
    socket.destroy()
    throw err
  }
  return async () => {
    try {
      return ((await send(4, 'Profiler.stop')) as { profile: unknown }).profile
    } finally {
      socket.destroy()
    }
  }
}

async function connect (inspectPort: number): Promise<{ socket: Socket, head: Buffer }> {
  const targets = await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json() as Array<{ webSocketDebuggerUrl?: string }>
  const url = targets.find((t) => t.webSocketDebuggerUrl !== undefined)?.webSocketDebuggerUrl
  if (url === undefined) throw new Error(`no inspector target on port ${inspectPort}`)
  return await upgrade(new URL(url))
}

async function upgrade (url: URL): Promise<{ socket: Socket, head: Buffer }> {
  return await new Promise((resolve, reject) => {
    const req = request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      timeout: TIMEOUT_MS,
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': randomBytes(16).toString('base64'), 'sec-websocket-version': '13' }
    })
    req.once('upgrade', (_res, socket: Socket, head: Buffer) => resolve({ socket, head }))
    req.once('response', (res) => reject(new Error(`the inspector answered ${res.statusCode} instead of upgrading`)))
    req.once('timeout', () => req.destroy(new Error('the inspector did not answer')))
    req.once('error', reject)
    req.end()
  })
}

/** A client's frame: FIN, text, masked (RFC 6455 5.2). */
function maskedTextFrame (text: string): Buffer {
  const payload = Buffer.from(text)
  const length = payload.length < 126 ? Buffer.of(0x80 | payload.length) : Buffer.of(0x80 | 126, payload.length >> 8, payload.length & 0xff)
  const mask = randomBytes(4)
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]))
  return Buffer.concat([Buffer.of(0x81), length, mask, masked])
}

/** Reads the server's (unmasked, unfragmented) text frames and hands out the answers by id. */
class Answers {
  #buffer: Buffer
  #error: Error | undefined
  readonly #results = new Map<number, unknown>()
  readonly #socket: Socket

  constructor (socket: Socket, head: Buffer) {
    this.#socket = socket
    this.#buffer = head
    socket.on('data', (chunk: Buffer) => { this.#buffer = Buffer.concat([this.#buffer, chunk]); this.#parse() })
    this.#parse()
  }

  async waitFor (id: number): Promise<void> {
    const deadline = Date.now() + TIMEOUT_MS
    while (!this.#results.has(id)) {
      if (this.#error !== undefined) throw this.#error
      if (Date.now() > deadline) throw new Error(`no answer from the inspector to message ${id}`)
      if (this.#socket.destroyed) throw new Error('the inspector closed the connection')
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }

  result (id: number): unknown {
    return this.#results.get(id)
  }

  #parse (): void {
    for (;;) {
      const b = this.#buffer
      if (b.length < 2) return
      let length = b[1] & 0x7f
      let offset = 2
      if (length === 126) {
        if (b.length < 4) return
        length = b.readUInt16BE(2)
        offset = 4
      } else if (length === 127) {
        if (b.length < 10) return
        length = Number(b.readBigUInt64BE(2))
        offset = 10
      }
      if (b.length < offset + length) return
      const opcode = b[0] & 0x0f
      const payload = b.subarray(offset, offset + length)
      this.#buffer = b.subarray(offset + length)
      if (opcode === 0x1) {
        const message = JSON.parse(payload.toString()) as { id?: number, result?: unknown, error?: { message: string } }
        if (message.error !== undefined) this.#error = new Error(`inspector: ${message.error.message}`)
        if (message.id !== undefined) this.#results.set(message.id, message.result ?? null)
      }
    }
  }
}
