import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { COMMON_OPTIONS, CliUsageError, parseCli, required } from '../../src/cli/args.js'

const spec = {
  usage: 'npm run distill --',
  summary: 'Distils a student.',
  options: { ...COMMON_OPTIONS, alpha: { type: 'float', default: 0.5, description: 'loss weight' }, quick: { type: 'boolean', default: false, description: 'small run' } }
} as const

describe('parseCli', () => {
  it('returns typed values with defaults filled in', () => {
    const args = parseCli(spec, ['--data', 'd/u.data', '--seed', '7', '--alpha', '0.25', '--quick'])
    assert.deepEqual(args, { data: 'd/u.data', format: 'auto', 'models-dir': 'models', seed: 7, alpha: 0.25, quick: true })
  })

  it('prints help listing every option with its default and returns null', () => {
    let printed = ''
    assert.equal(parseCli(spec, ['--help'], (text) => { printed = text }), null)
    assert.match(printed, /Usage: npm run distill -- \[options\]/)
    assert.match(printed, /--models-dir <value> +artifact root .* \(default: models\)/)
    assert.match(printed, /--alpha <float> +loss weight \(default: 0.5\)/)
  })

  it('refuses unknown options and malformed numbers as usage errors', () => {
    assert.throws(() => parseCli(spec, ['--nope']), CliUsageError)
    assert.throws(() => parseCli(spec, ['--seed', '1.5']), { code: 'CLI_USAGE', message: '--seed must be an integer, got "1.5"' })
    assert.throws(() => parseCli(spec, ['--alpha', 'x']), { message: '--alpha must be a number, got "x"' })
  })

  it('names a missing required option', () => {
    assert.throws(() => required(undefined, 'data'), { message: '--data is required' })
    assert.equal(required('x', 'data'), 'x')
  })
})
