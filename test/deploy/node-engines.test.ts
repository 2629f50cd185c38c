import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import semver from 'semver'

const root = new URL('../../', import.meta.url)
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as { packages: Record<string, { engines?: { node?: string }, optional?: boolean }> }
const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8')

/**
 * The project installs without an engine warning, and runs, on the Node of the machines it is
 * developed and tested on (20 here, this process) and on the image's LTS line (its tag follows the
 * newest release of the line; 22.20 stands for it, as dev tools ask for 22.12 or 22.13 and later).
 */
const imageMajor = Number(/^FROM node:(\d+)/m.exec(dockerfile)?.[1])
const NODES = [process.version, `${imageMajor}.20.0`]

describe('Node versions', () => {
  it('the image runs an LTS line of Node', () => {
    assert.ok(imageMajor >= 22 && imageMajor % 2 === 0, `node:${imageMajor}`)
  })

  for (const node of NODES) {
    it(`every locked package, and the project itself, supports Node ${node}`, () => {
      const refused = Object.entries(lock.packages)
        .filter(([, pkg]) => pkg.engines?.node !== undefined && !semver.satisfies(node, pkg.engines.node))
        .map(([path, pkg]) => `${path === '' ? 'distillrec' : path} (${pkg.engines?.node ?? ''})`)
      assert.deepEqual(refused, [])
    })
  }
})
