import { FormatRegistry } from '@sinclair/typebox'
import type { Ajv } from '@fastify/ajv-compiler'

/**
 * The JSON Schema format every id carries. A string holding a lone surrogate is not well-formed
 * Unicode: Redis (UTF-8) would store it as U+FFFD, so two distinct ids could become one.
 */
export const WELL_FORMED = 'well-formed-unicode'

// with the u flag a surrogate pair reads as one code point, so only a lone surrogate matches \p{Cs}
const LONE_SURROGATE = /\p{Cs}/u

export function isWellFormed (text: string): boolean {
  return !LONE_SURROGATE.test(text)
}

// TypeCompiler (batch entries) reads formats from this registry; Ajv gets them from ajvWellFormed
FormatRegistry.Set(WELL_FORMED, isWellFormed)

/** An Ajv plugin adding the format, for Fastify's `ajv.plugins`. */
export function ajvWellFormed (ajv: Ajv): Ajv {
  return ajv.addFormat(WELL_FORMED, { type: 'string', validate: isWellFormed })
}
