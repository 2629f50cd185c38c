import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger'
import type { FastifySwaggerUiOptions } from '@fastify/swagger-ui'
import { readFileSync } from 'node:fs'
import { ERROR_CODES } from '../errors.js'

const ERROR_LIST = Object.entries(ERROR_CODES).map(([code, status]) => `\`${code}\` ${status}`).join(', ')

/**
 * The OpenAPI document, generated from the routes' TypeBox schemas (served at GET /openapi.json);
 * registered on the root instance before the routes, so that it sees every one of them.
 */
export function openApiOptions (): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'distillrec',
        version: packageVersion(),
        description: 'Real-time top-K recommendations from a distilled student model, re-distilled from a teacher ' +
          'and hot-swapped without downtime. Responses to /recommend carry `X-Model-Version`; every response carries `X-Request-Id`.\n\n' +
          `Every error is JSON \`{statusCode, code, message, field?}\` with one of these codes: ${ERROR_LIST}.`
      },
      tags: [
        { name: 'recommend', description: 'Top-K items for a user or a history' },
        { name: 'events', description: 'Interactions: the history and the next re-distillation\'s data' },
        { name: 'health', description: 'Probes and metrics' },
        { name: 'admin', description: 'Re-distillation runs and model versions (only when ADMIN_TOKEN is set)' }
      ],
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'the ADMIN_TOKEN' } }
      }
    }
  }
}

/** The interactive page at /docs: Swagger UI's own files, from the package (no CDN). */
export const DOCS_OPTIONS: FastifySwaggerUiOptions = {
  routePrefix: '/docs',
  uiConfig: { docExpansion: 'list', tryItOutEnabled: true },
  logLevel: 'warn'
}

/** package.json's version: two levels up from src/http, three from the build's dist/src/http. */
function packageVersion (): string {
  for (const path of ['../../package.json', '../../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { version: string }).version
    } catch {}
  }
  return '0.0.0'
}
