import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

/** Debian's chromium (installed by .ci/run); playwright-core drives it, its own downloads are not used. */
const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => p !== undefined)

export const chromiumPath = CANDIDATES.find((p) => existsSync(p))

/**
 * Why the browser tests cannot run here, or false. With REQUIRE_BROWSER=1 (CI) a missing browser
 * fails instead of skipping.
 */
export function browserSkipReason (): string | false {
  if (chromiumPath !== undefined) return false
  if (process.env.REQUIRE_BROWSER === '1') throw new Error('REQUIRE_BROWSER=1 but no chromium found (apt-get install chromium)')
  return 'no chromium (apt-get install chromium, or set CHROMIUM_PATH)'
}

export async function launch (): Promise<Browser> {
  // --no-sandbox: CI runs as root, where chromium's sandbox refuses to start
  return await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
}
