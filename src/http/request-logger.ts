import type { FastifyBaseLogger } from 'fastify'
import { levels, type Bindings, type ChildLoggerOptions, type Level, type Logger } from 'pino'

type Write = (...args: unknown[]) => void

/**
 * A request's logger, made when the request first writes a line at an enabled level: Fastify makes
 * one per request (`childLoggerFactory`), and pino's `child` (a new object, its bindings written
 * out as JSON) cost about 3 us a request, plus its garbage, on the cache-hit path, where nothing is
 * logged at the service's usual levels. Every line it writes is the child's own, so it carries
 * `reqId`, the route's `logLevel` and serializers exactly as `parent.child(bindings, options)` would.
 */
export class RequestLogger implements FastifyBaseLogger {
  readonly #parent: Logger
  readonly #bindings: Bindings
  readonly #options: ChildLoggerOptions
  #child: Logger | undefined

  constructor (parent: Logger, bindings: Bindings, options: ChildLoggerOptions) {
    this.#parent = parent
    this.#bindings = bindings
    this.#options = options
  }

  get level (): string {
    return this.#child?.level ?? this.#options.level ?? this.#parent.level
  }

  set level (level: string) {
    this.#made().level = level
  }

  isLevelEnabled (level: string): boolean {
    return this.#child?.isLevelEnabled(level) ?? this.#levelValue() <= (levels.values[level] ?? Infinity)
  }

  bindings (): Bindings {
    return this.#made().bindings()
  }

  child (bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#made().child(bindings, options)
  }

  fatal (...args: unknown[]): void { this.#write('fatal', args) }
  error (...args: unknown[]): void { this.#write('error', args) }
  warn (...args: unknown[]): void { this.#write('warn', args) }
  info (...args: unknown[]): void { this.#write('info', args) }
  debug (...args: unknown[]): void { this.#write('debug', args) }
  trace (...args: unknown[]): void { this.#write('trace', args) }
  silent (): void {}

  #write (level: Level, args: unknown[]): void {
    if (this.#child === undefined && this.#levelValue() > levels.values[level]) return
    ;(this.#made()[level] as Write)(...args)
  }

  /** The level value the child would have, read from the parent while there is none (its level may change). */
  #levelValue (): number {
    const { level } = this.#options
    if (level === undefined) return this.#parent.levelVal
    return level === 'silent' ? Infinity : levels.values[level] ?? this.#parent.levelVal
  }

  #made (): Logger {
    this.#child ??= this.#parent.child(this.#bindings, this.#options)
    return this.#child
  }
}

/**
 * Fastify's `childLoggerFactory`: each request's logger is a RequestLogger. `logger` is the pino
 * instance given to Fastify as `loggerInstance`.
 */
export function requestLoggers (logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new RequestLogger(logger as Logger, bindings, options)
}
