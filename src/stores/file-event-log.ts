import { createReadStream } from 'node:fs'
import { mkdir, open, stat, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Interaction } from '../data/dataset.js'
import { assertInteraction, eventIdOfLine, fromJsonLine, toJsonLine } from './event-codec.js'
import type { AppendResult, EventLog } from './event-log.js'
import { oncePerEventId, SeenIds } from './seen-ids.js'
import { StoreError } from './store-error.js'

export interface FileEventLogOptions {
  /** JSON Lines file; its directory is created. One writer (process) per path. */
  path: string
  /**
   * How many of the most recent eventIds the writer remembers to refuse a second copy (about
   * 100 bytes each); an id older than that is logged again (readAll still yields it once).
   */
  maxEventIds?: number
}

const DEFAULT_MAX_EVENT_IDS = 1_000_000

interface PendingAppend {
  /** Each event's line, serialized when append was called, and its eventId. */
  records: Array<{ line: string, eventId: string | undefined }>
  resolve: (result: AppendResult) => void
  reject: (err: unknown) => void
}

/**
 * The durable default event log: one JSON object per line. `append` resolves only after its
 * bytes are written and fdatasync'ed. Appends waiting behind a sync are written and synced
 * together (group commit), in call order. A torn last line (a crash mid-write, so never
 * acknowledged) is skipped by readAll and cut off before this log appends again.
 * Dedupe: the eventIds of the file are read back whenever it is opened for appending (the first
 * append, and again after a failed write), so whatever reached the file, acknowledged or not,
 * is recognised when retried.
 */
export class FileEventLog implements EventLog {
  readonly #path: string
  readonly #seen: SeenIds
  #handle: FileHandle | null = null
  /** Bytes of the file known durable: what was there when opened, plus every synced write. */
  #durableSize: number | null = null
  #pending: PendingAppend[] = []
  #flushing: Promise<void> | null = null
  #closed = false

  constructor ({ path, maxEventIds = DEFAULT_MAX_EVENT_IDS }: FileEventLogOptions) {
    this.#path = path
    this.#seen = new SeenIds(maxEventIds)
  }

  async append (events: readonly Interaction[]): Promise<AppendResult> {
    if (this.#closed) throw new StoreError('STORE_CLOSED', 'event log is closed')
    events.forEach(assertInteraction)
    if (events.length === 0) return { added: 0 }
    return await new Promise<AppendResult>((resolve, reject) => {
      const records = events.map((event) => ({ line: toJsonLine(event), eventId: event.eventId }))
      this.#pending.push({ records, resolve, reject })
      this.#flushing ??= this.#flush()
    })
  }

  readAll (): AsyncIterable<Interaction> {
    return oncePerEventId(this.#readAll())
  }

  async * #readAll (): AsyncIterable<Interaction> {
    let size: number
    try {
      size = (await stat(this.#path)).size
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
      throw err
    }
    // up to the size seen now: a consistent snapshot even while appends go on; a torn last line
    // (no newline) was never acknowledged, so it is skipped
    for await (const [line, lineNo] of completeLines(this.#path, size)) yield fromJsonLine(line, lineNo)
  }

  async close (): Promise<void> {
    this.#closed = true
    await this.#flushing
    const handle = this.#handle
    this.#handle = null
    await handle?.close()
  }

  async #flush (): Promise<void> {
    // never finish synchronously (a batch of copies only writes nothing): `#flushing` is
    // assigned this promise after the call returns, and must not be left set once it ends
    await Promise.resolve()
    while (this.#pending.length > 0) {
      const batch = this.#pending
      this.#pending = []
      try {
        const handle = this.#handle ?? await this.#open()
        const lines: string[] = []
        // ids count as seen from here on, also for later appends of this group; a failed write
        // forgets them all (#drop), and the file is read again on reopen
        const added = batch.map(({ records }) => {
          let count = 0
          for (const { line, eventId } of records) {
            if (eventId !== undefined && !this.#seen.add(eventId)) continue
            lines.push(line)
            count++
          }
          return count
        })
        if (lines.length > 0) {
          const data = Buffer.from(lines.join(''))
          try {
            await writeAll(handle, data)
            await handle.datasync()
          } catch (err) {
            // the file may now hold part or all of this write, never acknowledged and perhaps not
            // durable: the next flush reopens, which cuts it off, so a retry writes it again
            await this.#drop(handle)
            throw err
          }
          this.#durableSize = (this.#durableSize ?? 0) + data.length
        }
        batch.forEach((p, k) => p.resolve({ added: added[k] }))
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
      // a torn last line goes, and so does whatever a failed write of this process left
      const end = Math.min(await endOfLastLine(handle, size), this.#durableSize ?? Infinity)
      if (end < size) await handle.truncate(end)
      // what a crashed process wrote stays: it must be durable before its ids answer a retry
      await handle.datasync()
      // a new file's directory entry must be durable too
      if (size === 0) await syncDirectory(dir)
      this.#seen.clear()
      for await (const [line] of completeLines(this.#path, end)) {
        const eventId = eventIdOfLine(line)
        if (eventId !== undefined) this.#seen.add(eventId)
      }
      this.#durableSize = end
    } catch (err) {
      await handle.close()
      throw err
    }
    this.#handle = handle
    return handle
  }

  async #drop (handle: FileHandle): Promise<void> {
    if (this.#handle === handle) this.#handle = null
    this.#seen.clear()
    await handle.close().catch(() => {})
  }
}

/** The complete lines (each ended by '\n') in the first `size` bytes of the file, with 1-based numbers; empty lines skipped. */
async function * completeLines (path: string, size: number): AsyncIterable<[string, number]> {
  if (size === 0) return
  const stream = createReadStream(path, { start: 0, end: size - 1, encoding: 'utf8' })
  let rest = ''
  let lineNo = 0
  for await (const chunk of stream as AsyncIterable<string>) {
    const lines = (rest + chunk).split('\n')
    rest = lines.pop() as string
    for (const line of lines) {
      lineNo++
      if (line.length > 0) yield [line, lineNo]
    }
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
