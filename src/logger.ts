import { pino, type Logger } from 'pino'

/** JSON logs; secrets never reach them. */
export function createLogger (level: string): Logger {
  return pino({
    level,
    base: { service: 'distillrec' },
    redact: { paths: ['req.headers.authorization', 'headers.authorization', 'authorization', 'adminToken'], censor: '[redacted]' }
  })
}
