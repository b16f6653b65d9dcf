/**
 * The two engines beside Chromium (scripts/chromium.mjs) that the tests drive, both Debian
 * packages, nothing downloaded:
 *
 * - Firefox (`firefox-esr`): puppeteer-core over WebDriver BiDi (Debian has no geckodriver).
 *   Headless. BiDi cannot emulate `prefers-color-scheme`: the scheme is a pref set at launch.
 * - WebKit (`webkit2gtk-driver`): WebKitWebDriver driving MiniBrowser over classic WebDriver.
 *   MiniBrowser has no headless mode, so it runs on an Xvfb display started here. The colour
 *   scheme is a launch flag (`--dark-mode`).
 *
 * Paths: `FIREFOX_PATH`, `WEBKIT_DRIVER_PATH`, `MINIBROWSER_PATH`; `XVFB_PATH`.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

export const FIREFOX_PATH = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';
export const WEBKIT_DRIVER_PATH = process.env.WEBKIT_DRIVER_PATH || '/usr/bin/WebKitWebDriver';
export const MINIBROWSER_PATH = process.env.MINIBROWSER_PATH
  || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
export const XVFB_PATH = process.env.XVFB_PATH || '/usr/bin/Xvfb';

/** The engines the suites run in, by the name the scripts and `E2E_BROWSER` use. */
export const ENGINES = ['chromium', 'firefox', 'webkit'];

/**
 * Firefox prefs for a test browser: the content colour scheme (`light` or `dark`), and none of
 * the browser's own background traffic; host names other than the loopback ones resolve to
 * nothing (a proxy that refuses), so pages never wait on the internet.
 *
 * @param {'light' | 'dark'} scheme
 */
export function firefoxPrefs(scheme = 'light') {
  return {
    // 0 dark, 1 light, 2 the system's.
    'layout.css.prefers-color-scheme.content-override': scheme === 'dark' ? 0 : 1,
    'browser.shell.checkDefaultBrowser': false,
    'app.update.enabled': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'toolkit.telemetry.enabled': false,
    'network.captive-portal-service.enabled': false,
    'network.connectivity-service.enabled': false,
    'extensions.update.enabled': false,
    'browser.safebrowsing.update.enabled': false,
    'browser.safebrowsing.downloads.remote.enabled': false,
  };
}

/**
 * puppeteer-core launch options for headless Firefox over WebDriver BiDi.
 *
 * @param {{ scheme?: 'light' | 'dark' }} [options]
 */
export function firefoxLaunchOptions({ scheme = 'light' } = {}) {
  return {
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath: FIREFOX_PATH,
    headless: true,
    extraPrefsFirefox: firefoxPrefs(scheme),
  };
}

/** A free loopback TCP port (free a moment ago). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Children started here, ended when this process exits whatever the reason. */
const children = new Set();
let exitHookInstalled = false;
function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of children) c.kill('SIGKILL');
    });
  }
  return child;
}

/** Ends a child process started here and waits until it has exited. */
function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts an X server of its own (Xvfb picks a free display number itself and reports it), for
 * MiniBrowser, which has no headless mode.
 *
 * @returns {Promise<{ display: string, close: () => Promise<void> }>}
 */
export function startXvfb() {
  return new Promise((resolve, reject) => {
    const child = track(spawn(XVFB_PATH, ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    }));
    let stderr = '';
    let out = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`Xvfb exited (${code}): ${stderr.slice(-500)}`)));
    child.stdio[3].on('data', (chunk) => {
      out += chunk;
      const match = /^(\d+)\n/.exec(out);
      if (match) {
        child.stdio[3].destroy();
        resolve({ display: `:${match[1]}`, close: () => stop(child) });
      }
    });
  });
}

/**
 * Starts WebKitWebDriver on a free loopback port, its browsers showing on `display`. One driver
 * holds one session at a time: start one per browser.
 *
 * @param {{ display: string }} options
 * @returns {Promise<{ port: number, close: () => Promise<void> }>}
 */
export async function startWebKitDriver({ display }) {
  const port = await freePort();
  const child = track(spawn(WEBKIT_DRIVER_PATH, [`--port=${port}`, '--host=local'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, DISPLAY: display, WEBKIT_DISABLE_COMPOSITING_MODE: '1' },
  }));
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`WebKitWebDriver exited (${child.exitCode}): ${stderr.slice(-500)}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/status`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`WebKitWebDriver did not start on port ${port}: ${stderr.slice(-500)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { port, close: () => stop(child) };
}

/**
 * WebDriver capabilities for MiniBrowser in the colour scheme `scheme` (classic WebDriver: the
 * driver speaks no BiDi).
 *
 * @param {{ scheme?: 'light' | 'dark' }} [options]
 */
export function webkitCapabilities({ scheme = 'light' } = {}) {
  return {
    browserName: 'MiniBrowser',
    'webkitgtk:browserOptions': {
      binary: MINIBROWSER_PATH,
      args: ['--automation', ...(scheme === 'dark' ? ['--dark-mode'] : [])],
    },
    'wdio:enforceWebDriverClassic': true,
  };
}

/**
 * Starts a display and a driver of its own for one WebKit browser; the webdriverio `remote()`
 * options to reach it, and `close` to end both. A display each: two MiniBrowser windows on one
 * display take the keyboard focus from each other (`:focus-visible` then fails in the other).
 *
 * @param {{ scheme?: 'light' | 'dark' }} [options]
 */
export async function startWebKit({ scheme = 'light' } = {}) {
  const xvfb = await startXvfb();
  let driver;
  try {
    driver = await startWebKitDriver({ display: xvfb.display });
  } catch (error) {
    await xvfb.close();
    throw error;
  }
  return {
    display: xvfb.display,
    options: {
      hostname: '127.0.0.1',
      port: driver.port,
      path: '/',
      logLevel: 'error',
      capabilities: webkitCapabilities({ scheme }),
    },
    close: async () => {
      await driver.close();
      await xvfb.close();
    },
  };
}
