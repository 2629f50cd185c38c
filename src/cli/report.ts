/**
 * Writes the model report (every version, teacher against student, learning curves) as one
 * self-contained HTML page:
 *   npm run report -- --models-dir models [--out report.html]
 */
import { mkdir, rename, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { renderModelReport } from '../report/model-report.js'
import { COMMON_OPTIONS, parseCli, runCli } from './args.js'

export const REPORT_SPEC = {
  usage: 'npm run report --',
  summary: 'Renders the models directory as one self-contained HTML page: versions and their state, teacher against student, learning curves.',
  options: {
    'models-dir': COMMON_OPTIONS['models-dir'],
    out: { type: 'string', description: 'HTML file to write (default: <models-dir>/report.html)' },
    active: { type: 'int', description: 'student version to mark as the one replicas serve' },
    title: { type: 'string', default: 'distillrec model report', description: 'page title' }
  }
} as const

/** Returns the absolute path written, or null after printing help. */
export async function main (argv: readonly string[], print: (line: string) => void = console.log): Promise<string | null> {
  const args = parseCli(REPORT_SPEC, argv, (text) => print(text.trimEnd()))
  if (args === null) return null
  const out = resolve(args.out ?? join(args['models-dir'], 'report.html'))
  const html = await renderModelReport(args['models-dir'], { active: args.active ?? null, title: args.title })
  await mkdir(dirname(out), { recursive: true })
  // a browser reloading the page never sees half of it
  const tmp = `${out}.${process.pid}.tmp`
  await writeFile(tmp, html)
  await rename(tmp, out)
  print(out)
  return out
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) runCli(async () => { await main(process.argv.slice(2)) })
