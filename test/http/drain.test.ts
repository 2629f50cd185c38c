import assert from 'node:assert/strict'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import { Drain } from '../../src/http/drain.js'

describe('Drain', () => {
  it('counts only the requests not yet answered, however many were answered before (no listener per response)', async (t) => {
    let hold: (response: ServerResponse) => void = () => {}
    const held = new Promise<ServerResponse>((resolve) => { hold = resolve })
    const server = createServer((request, response) => {
      if (request.url === '/hold') hold(response)
      else response.end('ok')
    })
    const drain = new Drain(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    t.after(() => { server.closeAllConnections(); server.close() })
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    for (let n = 0; n < 600; n++) await (await fetch(`${url}/x`)).text()
    assert.equal(drain.inFlight, 0)
    const waiting = fetch(`${url}/hold`)
    const response = await held
    assert.equal(drain.inFlight, 1)
    response.end('done')
    assert.equal(await (await waiting).text(), 'done')
    while (drain.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 5))
  })
})
