import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { SERVICE_NODE_FLAGS } from '../../src/threads/service-flags.js'

const root = new URL('../../', import.meta.url)
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8')

/** The words of a command line from `node` up to the entry point. */
function nodeFlags (words: readonly string[], entry: RegExp): string[] {
  const at = words.findIndex((w) => entry.test(w))
  assert.ok(words[0] === 'node' || words[0] === 'exec', `${words.join(' ')} does not start node`)
  assert.ok(at > 0, `${words.join(' ')} does not start ${entry}`)
  return words.slice(words.indexOf('node') + 1, at).filter((w) => w !== '--import' && w !== 'tsx')
}

describe('the service\'s node flags (src/threads/service-flags.ts)', () => {
  it('are given wherever the API service is started: npm start, npm run start:prod, the image, the Kubernetes deployments', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> }
    const starts: Array<[string, string[]]> = [
      ['npm start', pkg.scripts.start.split(/\s+/)],
      ['npm run start:prod', pkg.scripts['start:prod'].split(/\s+/)],
      ['Dockerfile CMD', JSON.parse(/^CMD (\[.*\])$/m.exec(read('Dockerfile'))![1]) as string[]]
    ]
    for (const file of ['deploy/k8s/base/api-deployment.yaml', 'deploy/k8s/base/admin-deployment.yaml']) {
      const command = /command: (\[.*server\.js.*\])/.exec(read(file))
      assert.ok(command, `${file} has no server command`)
      starts.push([file, JSON.parse(command[1]) as string[]])
    }
    for (const [where, words] of starts) assert.deepEqual(nodeFlags(words, /src\/server\.(ts|js)$/), [...SERVICE_NODE_FLAGS], where)
  })

  it('are flags this node accepts', () => {
    const run = spawnSync(process.execPath, [...SERVICE_NODE_FLAGS, '-e', 'process.exit(0)'], { encoding: 'utf8' })
    assert.equal(run.status, 0, run.stderr)
  })
})
