import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'

interface Rule { negate: boolean, regex: RegExp }

// Docker's matcher: patterns are anchored at the context root, `**` spans directories, `*` and `?`
// stay within one segment, a pattern also excludes everything under a directory it matches, and
// the last matching rule wins (so `!` re-includes).
function toRule (pattern: string): Rule {
  const negate = pattern.startsWith('!')
  const body = (negate ? pattern.slice(1) : pattern).replace(/^\/+|\/+$/g, '')
  let source = ''
  for (let i = 0; i < body.length; i++) {
    const c = body[i]
    if (c === '*' && body[i + 1] === '*') {
      source += body[i + 2] === '/' ? '(?:.*/)?' : '.*'
      i += body[i + 2] === '/' ? 2 : 1
    } else if (c === '*') source += '[^/]*'
    else if (c === '?') source += '[^/]'
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return { negate, regex: new RegExp(`^${source}$`) }
}

function loadRules (text: string): Rule[] {
  return text.split('\n').map(l => l.trim()).filter(l => l !== '' && !l.startsWith('#')).map(toRule)
}

function isExcluded (rules: Rule[], path: string): boolean {
  const parts = path.split('/')
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'))
  let excluded = false
  for (const rule of rules) {
    if (prefixes.some(p => rule.regex.test(p))) excluded = !rule.negate
  }
  return excluded
}

const rules = loadRules(readFileSync(new URL('../../.dockerignore', import.meta.url), 'utf8'))

describe('.dockerignore', () => {
  it('keeps installed modules, build output, git history and local state out of the build context', () => {
    for (const path of [
      'node_modules/fastify/package.json',
      'dist/src/server.js',
      '.git/HEAD',
      '.data/events.jsonl',
      'bench/results/serve-2026-01-01.json'
    ]) {
      assert.ok(isExcluded(rules, path), `${path} would be sent to the Docker daemon`)
    }
  })

  it('excludes trained model versions but ships the presets', () => {
    assert.ok(isExcluded(rules, 'models/7/weights.bin'))
    assert.ok(isExcluded(rules, 'models/12/model.json'))
    assert.ok(!isExcluded(rules, 'models/presets/small.json'), 'presets must reach the image')
  })

  it('excludes datasets wherever they sit', () => {
    for (const path of ['datasets/ml-100k/u.data', 'ml-1m/ratings.dat', 'data/interactions.csv']) {
      assert.ok(isExcluded(rules, path), `${path} would be baked into the image`)
    }
  })

  it('keeps everything the build stage compiles from', () => {
    for (const path of ['package.json', 'package-lock.json', 'tsconfig.json', 'src/server.ts', 'src/data/dataset.ts']) {
      assert.ok(!isExcluded(rules, path), `${path} is needed by npm ci or npm run build`)
    }
  })
})

describe('the .dockerignore matcher used above', () => {
  it('follows Docker semantics for anchoring, ** and negation', () => {
    const sample = loadRules('dist\n**/*.csv\nmodels/*\n!models/presets')
    assert.ok(isExcluded(sample, 'dist/a.js'))
    assert.ok(!isExcluded(sample, 'src/dist.ts'))
    assert.ok(!isExcluded(sample, 'src/dist/a.js'), 'patterns are anchored at the context root')
    assert.ok(isExcluded(sample, 'a.csv'))
    assert.ok(isExcluded(sample, 'x/y/a.csv'))
    assert.ok(isExcluded(sample, 'models/3/w.bin'))
    assert.ok(!isExcluded(sample, 'models/presets/p.json'))
  })
})
