import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'

const root = new URL('../../', import.meta.url)
const BASE_IMAGE = 'node:22-bookworm-slim'

interface Instruction { keyword: string, args: string }
interface Stage { from: string, name: string | undefined, steps: Instruction[] }

/** Splits a Dockerfile into stages of instructions, joining `\` continuations and dropping comments. */
function parseDockerfile (text: string): Stage[] {
  const logical: string[] = []
  let pending = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line.startsWith('#') || (line === '' && pending === '')) continue
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' '
      continue
    }
    logical.push(pending + line)
    pending = ''
  }
  const stages: Stage[] = []
  for (const line of logical) {
    const [keyword, ...rest] = line.split(/\s+/)
    const args = rest.join(' ')
    if (keyword.toUpperCase() === 'FROM') {
      const [from, as, name] = args.split(/\s+/)
      stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, steps: [] })
    } else {
      assert.ok(stages.length > 0, `${keyword} before the first FROM`)
      stages[stages.length - 1].steps.push({ keyword: keyword.toUpperCase(), args })
    }
  }
  return stages
}

function args (stage: Stage, keyword: string): string[] {
  return stage.steps.filter(s => s.keyword === keyword).map(s => s.args)
}

function envOf (stage: Stage): Record<string, string> {
  const pairs = args(stage, 'ENV').flatMap(a => a.split(/\s+/)).map(p => p.split('='))
  return Object.fromEntries(pairs.map(([k, ...v]) => [k, v.join('=')]))
}

function indexOfRun (stage: Stage, pattern: RegExp): number {
  return stage.steps.findIndex(s => s.keyword === 'RUN' && pattern.test(s.args))
}

const stages = parseDockerfile(readFileSync(new URL('Dockerfile', root), 'utf8'))
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'))
const build = stages[0]
const runtime = stages[stages.length - 1]

describe('Dockerfile', () => {
  it('builds in a named stage and runs from a separate final stage, all on node:22-bookworm-slim (a maintained LTS)', () => {
    assert.ok(stages.length >= 2, `expected a multi-stage build, found ${stages.length} stage(s)`)
    for (const stage of stages) assert.equal(stage.from, BASE_IMAGE)
    assert.ok(build.name, 'the build stage needs a name for COPY --from')
    const copiedFromBuild = args(runtime, 'COPY').filter(a => a.includes(`--from=${build.name}`))
    assert.ok(copiedFromBuild.length > 0, 'the runtime stage copies nothing from the build stage')
  })

  it('gives tfjs-node what its native install needs: build tools, allowed install scripts and a load check', () => {
    const tools = indexOfRun(build, /apt-get install/)
    assert.ok(tools >= 0, 'no apt-get install in the build stage')
    for (const tool of ['python3', 'make', 'g++']) {
      assert.match(build.steps[tools].args, new RegExp(`\\s${tool.replace('+', '\\+')}(\\s|$)`), `${tool} missing`)
    }
    const install = indexOfRun(build, /\bnpm ci\b/)
    assert.ok(install > tools, 'npm ci must run after the build tools are installed')
    assert.doesNotMatch(build.steps[install].args, /--ignore-scripts|--omit[= ]optional|--no-optional/)
    assert.match(build.steps[install].args, /allow-scripts=[^\s']*@tensorflow\/tfjs-node/,
      'npm 11 would skip tfjs-node\'s install script without an allow-scripts entry')
    const loadCheck = indexOfRun(build, /require\('@tensorflow\/tfjs-node'\)/)
    assert.ok(loadCheck > install, 'the build should prove tfjs-node loads after npm ci')
  })

  it('compiles with the package build script, then prunes dev dependencies', () => {
    assert.ok(pkg.scripts.build, 'package.json has no build script')
    const compile = indexOfRun(build, /\bnpm run build\b/)
    const prune = indexOfRun(build, /\bnpm prune --omit=dev\b/)
    assert.ok(compile >= 0, 'npm run build missing')
    assert.ok(prune >= compile, 'npm prune --omit=dev must follow the build')
    if (prune === compile) {
      const run = build.steps[compile].args
      assert.ok(run.indexOf('npm prune') > run.indexOf('npm run build'))
    }
  })

  it('copies the compiled app, production modules, package.json (ESM "type") and model presets into the runtime', () => {
    const copies = args(runtime, 'COPY').join('\n')
    for (const path of ['/app/dist', '/app/node_modules', '/app/package.json', '/app/models']) {
      assert.ok(copies.includes(path), `runtime stage does not copy ${path}`)
    }
    assert.doesNotMatch(args(runtime, 'RUN').join('\n'), /\bg\+\+|build-essential|npm (ci|install)/,
      'the runtime stage should not install build tools or dependencies')
  })

  it('runs as the non-root node user, who owns the writable models and data paths', () => {
    const users = args(runtime, 'USER')
    assert.equal(users.at(-1), 'node')
    const userAt = runtime.steps.findIndex(s => s.keyword === 'USER')
    const cmdAt = runtime.steps.findIndex(s => s.keyword === 'CMD')
    assert.ok(userAt >= 0 && userAt < cmdAt, 'USER must be set before CMD')
    const env = envOf(runtime)
    const modelsCopy = args(runtime, 'COPY').find(a => a.includes('/app/models'))
    assert.match(modelsCopy ?? '', /--chown=node/, 'models/ must be writable by node (new versions land there)')
    const dataDir = env.EVENT_LOG_PATH.slice(0, env.EVENT_LOG_PATH.lastIndexOf('/'))
    assert.ok(args(runtime, 'RUN').some(r => r.includes(dataDir) && /chown node/.test(r)),
      `${dataDir} must exist and belong to node before a volume mounts there`)
  })

  it('listens on 0.0.0.0:PORT in production, exposes that port and checks /health/live without curl', () => {
    const env = envOf(runtime)
    assert.equal(env.NODE_ENV, 'production')
    assert.equal(env.HOST, '0.0.0.0')
    assert.deepEqual(args(runtime, 'EXPOSE'), [env.PORT])
    const [healthcheck] = args(runtime, 'HEALTHCHECK')
    assert.ok(healthcheck, 'no HEALTHCHECK')
    assert.match(healthcheck, /CMD node -e .*fetch\(.*\/health\/live/)
    assert.doesNotMatch(healthcheck, /\b(curl|wget)\b/, 'slim images ship neither curl nor wget')
  })

  it('starts the same compiled entry point, with the same node flags, as npm run start:prod', () => {
    const [cmd] = args(runtime, 'CMD')
    assert.deepEqual(JSON.parse(cmd), pkg.scripts['start:prod'].split(/\s+/))
  })
})
