import assert from 'node:assert/strict'
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root: the deploy files' paths are relative to it. */
export const root = fileURLToPath(new URL('../../', import.meta.url))

export function run (cmd: string, args: string[], input?: string): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd: root, encoding: 'utf8', input, timeout: 30_000 })
}

/**
 * Why a test needing `cmd` must skip, or false when it answers. With REQUIRE_DEPLOY_TOOLS=1 (set by
 * .ci/run once it has installed them) a missing tool fails instead of skipping.
 */
export function missing (cmd: string, args: string[], hint: string): string | false {
  const probe = run(cmd, args)
  if (!probe.error && probe.status === 0) return false
  const reason = `${cmd} ${args.join(' ')} unavailable (${hint})`
  if (process.env.REQUIRE_DEPLOY_TOOLS === '1') throw new Error(`REQUIRE_DEPLOY_TOOLS=1 but ${reason}`)
  return reason
}

export const skipYaml = missing('python3', ['-c', 'import yaml'], 'apt-get install python3-yaml')

// python3-yaml comes with Debian's docker-compose and prometheus tooling: no JS YAML dependency.
export function yamlToJson (text: string): any {
  const result = run('python3', ['-c', 'import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'], text)
  assert.equal(result.status, 0, result.stderr)
  return JSON.parse(result.stdout)
}

/** A YAML file of the repository, by its path from the root, as JSON. */
export function readYaml (path: string): any {
  return yamlToJson(readFileSync(join(root, path), 'utf8'))
}

/** Every document of a multi-document YAML stream (kubectl's output), as JSON. */
export function yamlDocumentsToJson (text: string): any[] {
  const result = run('python3', ['-c', 'import sys, json, yaml; json.dump([d for d in yaml.safe_load_all(sys.stdin) if d is not None], sys.stdout)'], text)
  assert.equal(result.status, 0, result.stderr)
  return JSON.parse(result.stdout)
}
