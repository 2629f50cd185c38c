import { constants } from 'node:fs'
import { access, mkdir } from 'node:fs/promises'
import { CliUsageError } from './args.js'

/**
 * Creates `dir` when missing and checks that this process may write there, before a long run
 * starts, so that its figures or models are not refused at the end. `option` names the flag that
 * chose the place, for the message.
 */
export async function writableDir (dir: string, option: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true })
    await access(dir, constants.W_OK)
  } catch (err) {
    throw new CliUsageError(`${option}: ${dir} cannot be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  }
}
