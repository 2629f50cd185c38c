import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import SwaggerParser from '@apidevtools/swagger-parser'
import { ERROR_CODES } from '../../src/errors.js'
import { build } from '../helper.js'

const TOKEN = 'openapi-test-admin-token-0123'

interface Operation { tags?: string[], summary?: string, security?: unknown[], responses?: Record<string, unknown> }

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI document, checked by a validator that rejects a broken one', async (t) => {
    const { app } = await build(t, { ADMIN_TOKEN: TOKEN })
    const spec = (await app.inject({ url: '/openapi.json' })).json()
    await SwaggerParser.validate(structuredClone(spec))
    const broken = structuredClone(spec)
    broken.paths['/recommend'].get.responses = 'none'
    await assert.rejects(SwaggerParser.validate(broken))
  })

  it('documents every route the service answers, each with a tag and a summary, and every error code', async (t) => {
    const { app } = await build(t, { ADMIN_TOKEN: TOKEN })
    const spec = (await app.inject({ url: '/openapi.json' })).json()
    const documented = new Set<string>()
    for (const [path, item] of Object.entries<Record<string, Operation>>(spec.paths)) {
      for (const [method, op] of Object.entries(item)) {
        documented.add(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`)
        assert.ok(op.tags?.length === 1 && op.summary !== undefined, `${method} ${path} has a tag and a summary`)
      }
    }
    const served = app.printRoutes({ commonPrefix: false })
    for (const route of ['GET /recommend', 'POST /recommend', 'POST /recommend/batch', 'POST /events', 'GET /health/live', 'GET /health/ready',
      'GET /metrics', 'POST /admin/redistill', 'GET /admin/jobs', 'GET /admin/jobs/:id', 'DELETE /admin/jobs/:id', 'GET /admin/models',
      'POST /admin/models/:version/activate', 'POST /admin/experiments', 'GET /admin/experiments/:id', 'POST /admin/experiments/:id/promote',
      'POST /admin/experiments/:id/stop']) {
      assert.ok(documented.has(route), `${route} is documented`)
      assert.ok(served.includes(route.split(' ')[1].split('/').at(-1)!), `${route} is served`)
    }
    for (const code of Object.keys(ERROR_CODES)) assert.ok(spec.info.description.includes(`\`${code}\``), `error code ${code} is documented`)
  })

  it('gives every route a schema for its success answer and for its errors', async (t) => {
    const { app } = await build(t, { ADMIN_TOKEN: TOKEN })
    const spec = (await app.inject({ url: '/openapi.json' })).json()
    for (const [path, item] of Object.entries<Record<string, Operation>>(spec.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const statuses = Object.keys(op.responses ?? {})
        const success = statuses.find((s) => s.startsWith('2'))
        assert.ok(success !== undefined, `${method} ${path} documents its success answer`)
        const content = (op.responses?.[success] as { content?: Record<string, { schema?: unknown }> }).content ?? {}
        assert.ok(Object.values(content).some((c) => c.schema !== undefined), `${method} ${path} ${success} has a schema`)
        assert.ok(statuses.includes('4XX') || statuses.some((s) => s.startsWith('4')), `${method} ${path} documents its errors`)
      }
    }
  })

  it('puts the admin routes behind the bearer scheme and nothing else', async (t) => {
    const { app } = await build(t, { ADMIN_TOKEN: TOKEN })
    const spec = (await app.inject({ url: '/openapi.json' })).json()
    assert.equal(spec.components.securitySchemes.bearer.scheme, 'bearer')
    for (const [path, item] of Object.entries<Record<string, Operation>>(spec.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const secured = JSON.stringify(op.security ?? []) === JSON.stringify([{ bearer: [] }])
        assert.equal(secured, path.startsWith('/admin'), `${method} ${path}`)
      }
    }
  })

  it('leaves the admin routes out when ADMIN_TOKEN is unset', async (t) => {
    const { app } = await build(t)
    const spec = (await app.inject({ url: '/openapi.json' })).json()
    assert.ok(Object.keys(spec.paths).includes('/recommend'))
    assert.ok(!Object.keys(spec.paths).some((p) => p.startsWith('/admin')))
  })
})

describe('GET /docs', () => {
  it('serves Swagger UI from the package, with its assets', async (t) => {
    const { app } = await build(t)
    const page = await app.inject({ url: '/docs/' })
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /swagger-ui/)
    const script = await app.inject({ url: '/docs/static/swagger-ui-bundle.js' })
    assert.equal(script.statusCode, 200)
    assert.ok(script.body.length > 100_000)
  })
})
