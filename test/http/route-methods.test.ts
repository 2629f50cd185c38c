import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RouteMethods } from '../../src/http/route-methods.js'

describe('RouteMethods', () => {
  const routes = new RouteMethods()
  routes.add('/recommend', ['GET', 'HEAD'])
  routes.add('/recommend', 'POST')
  routes.add('/admin/jobs/:id', ['GET', 'HEAD'])
  routes.add('/admin/jobs/:id', 'DELETE')
  routes.add('/admin/models/:version/activate', 'POST')
  routes.add('/docs/static/*', ['HEAD', 'GET'])
  routes.add('/docs/*', 'GET')

  it('lists the methods of a static path in registration order', () => {
    assert.deepEqual(routes.allowed('/recommend'), ['GET', 'HEAD', 'POST'])
  })

  it('matches a path against parametric patterns, one segment per parameter', () => {
    assert.deepEqual(routes.allowed('/admin/jobs/123'), ['GET', 'HEAD', 'DELETE'])
    assert.deepEqual(routes.allowed('/admin/models/7/activate'), ['POST'])
    assert.equal(routes.allowed('/admin/jobs/'), undefined)
    assert.equal(routes.allowed('/admin/jobs/1/2'), undefined)
    assert.equal(routes.allowed('/admin/models/7/activate/now'), undefined)
  })

  it('gives a path that two patterns match the methods of both', () => {
    assert.deepEqual(routes.allowed('/docs/static/a/b.css'), ['HEAD', 'GET'])
    assert.deepEqual(routes.allowed('/docs/json'), ['GET'])
  })

  it('knows nothing of other paths, and reads pattern characters literally', () => {
    assert.equal(routes.allowed('/nope'), undefined)
    const dotted = new RouteMethods()
    dotted.add('/a.b/:id', 'GET')
    assert.equal(dotted.allowed('/aXb/1'), undefined)
    assert.deepEqual(dotted.allowed('/a.b/1'), ['GET'])
  })
})
