import { createReadStream } from 'node:fs'
import { mkdir, open, stat, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Interaction } from '../data/dataset.js'
import { assertInteraction, fromJsonLine, toJsonLine } from './event-codec.js'
import type { EventLog } from './event-log.js'
import { StoreError } from './store-error.js'

export interface FileEventLogOptions {
  /** JSON Lines file; its directory is created. One writer (process) per path. */
  path: string
}

interface PendingAppend {
  data: Buffer
  resolve: () => void
  reject: (err: unknown) => void
}

/**
 * The durable default event log: one JSON object per line. `append` resolves only after its
 * bytes are written and fdatasync'ed. Appends waiting behind a sync are written and synced
 * together (group commit), in call order. A torn last line (a crash mid-write, so never
 * acknowledged) is skipped by readAll and cut off before this log appends again.
 */
export class FileEventLog implements EventLog {
  readonly #path: string
  #handle: FileHandle | null = null
  #pending: PendingAppend[] = []
  #flushing: Promise<void> | null = null
  #closed = false

  constructor ({ path }: FileEventLogOptions) {
    this.#path = path
  }

  async append (events: readonly Interaction[]): Promise<void> {
    if (this.#closed) throw new StoreError('STORE_CLOSED', 'event log is closed')
    events.forEach(assertInteraction)
    if (events.length === 0) return
    const data = Buffer.from(events.map(toJsonLine).join(''))
    await new Promise<void>((resolve, reject) => {
      this.#pending.push({ data, resolve, reject })
      this.#flushing ??= this.#flush()
    })
  }

  async * readAll (): AsyncIterable<Interaction> {
    let size: number
    try {
      size = (await stat(this.#path)).size
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
      throw err
    }
    if (size === 0) return
    // up to the size seen now: a consistent snapshot even while appends go on
    const stream = createReadStream(this.#path, { start: 0, end: size - 1, encoding: 'utf8' })
    let rest = ''
    let lineNo = 0
    for await (const chunk of stream as AsyncIterable<string>) {
      const lines = (rest + chunk).split('\n')
      rest = lines.pop() as string
      for (const line of lines) {
        lineNo++
        if (line.length > 0) yield fromJsonLine(line, lineNo)
      }
    }
    // `rest` is a torn last line (no newline): it was never acknowledged, so it is skipped
  }

  async close (): Promise<void> {
    this.#closed = true
    await this.#flushing
    const handle = this.#handle
    this.#handle = null
    await handle?.close()
  }

  async #flush (): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending
      this.#pending = []
      try {
        const handle = this.#handle ?? await this.#open()
        try {
          await writeAll(handle, Buffer.concat(batch.map((p) => p.data)))
          await handle.datasync()
        } catch (err) {
          // the file may now end in a torn line: the next flush reopens, which cuts it off
          await this.#drop(handle)
          throw err
        }
        for (const p of batch) p.resolve()
      } catch (err) {
        for (const p of batch) p.reject(err)
      }
    }
    this.#flushing = null
  }

  async #open (): Promise<FileHandle> {
    const dir = dirname(this.#path)
    await mkdir(dir, { recursive: true })
    const handle = await open(this.#path, 'a+')
    try {
      const { size } = await handle.stat()
      const end = await endOfLastLine(handle, size)
      if (end < size) {
        await handle.truncate(end)
        await handle.datasync()
      }
      // a new file's directory entry must be durable too
      if (size === 0) await syncDirectory(dir)
    } catch (err) {
      await handle.close()
      throw err
    }
    this.#handle = handle
    return handle
  }

  async #drop (handle: FileHandle): Promise<void> {
    if (this.#handle === handle) this.#handle = null
    await handle.close().catch(() => {})
  }
}

async function writeAll (handle: FileHandle, data: Buffer): Promise<void> {
  let offset = 0
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset)
    offset += bytesWritten
  }
}

/** Offset just past the last '\n' (0 if none), reading backwards in chunks. */
async function endOfLastLine (handle: FileHandle, size: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024)
  let end = size
  while (end > 0) {
    const start = Math.max(0, end - chunk.length)
    const { bytesRead } = await handle.read(chunk, 0, end - start, start)
    const nl = chunk.subarray(0, bytesRead).lastIndexOf(0x0a)
    if (nl !== -1) return start + nl + 1
    end = start
  }
  return 0
}

async function syncDirectory (dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } catch {
    // some platforms cannot fsync a directory; the file's own sync still holds
  } finally {
    await handle.close()
  }
}
