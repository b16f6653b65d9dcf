/**
 * The system Chromium every tool of the project drives (tests, screenshots, the bench): its path
 * and launch flags. Nothing is ever downloaded.
 */

/** `CHROME_PATH`, default `/usr/bin/chromium`. */
export const CHROMIUM_PATH = process.env.CHROME_PATH || '/usr/bin/chromium';

/**
 * Headless, no sandbox (CI runs as root, where Chromium's sandbox cannot start), no GPU, and
 * none of the browser's own background traffic.
 */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Host names other than the loopback ones fail at once, so pages never wait on the internet.
 */
export const LOOPBACK_ONLY_ARG = '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1';

/**
 * Launches the system Chromium through playwright-core, with only loopback hosts resolvable.
 *
 * @returns {Promise<import('playwright-core').Browser>}
 */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, LOOPBACK_ONLY_ARG] });
}
