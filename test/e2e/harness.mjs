/**
 * End-to-end test helpers for `node --test`: a real Chromium (playwright-core), the real local
 * OpenID Provider and the static server serving `dist/` and the test pages.
 */
import { after, before } from 'node:test';
import { createServer } from 'node:net';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../../scripts/chromium.mjs';
import { capabilities, launchEngine, startSiteProxy, tapProvider } from './engines.mjs';
import { startProvider, DEFAULT_CLIENT_ID } from '../../scripts/provider.mjs';
import { startStaticServer } from '../../scripts/static-server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const PAGES_DIR = path.join(here, 'pages');
const PAGES_PATH = '/test/e2e/pages/';

/** Selectors of the element's parts (CSS locators pierce open shadow roots). */
export const LOGIN_BUTTON = 'pkce-login button[part~="login"]';
export const LOGOUT_BUTTON = 'pkce-login button[part~="logout"]';
export const USER_NAME = 'pkce-login [part~="user"]';

const DEFAULT_TIMEOUT = 15_000;

/**
 * The engine the tests drive: `E2E_BROWSER` (`chromium`, the default; `firefox`; `webkit`).
 * Chromium through playwright-core; Firefox and WebKit through the playwright-like layer of
 * engines.mjs, which covers what the cross-engine tests use (`npm run test:e2e:firefox`,
 * `npm run test:e2e:webkit`).
 */
export const ENGINE = process.env.E2E_BROWSER || 'chromium';
if (!(ENGINE in capabilities)) throw new Error(`E2E_BROWSER: chromium, firefox or webkit, not ${ENGINE}`);
/** What the engine's driver reports of the browser's own messages (engines.mjs `capabilities`). */
export const ENGINE_CAN = capabilities[ENGINE];

/**
 * Launches the engine: headless Chromium (`CHROME_PATH`, default `/usr/bin/chromium`; host
 * names other than the loopback ones fail at once, so pages never wait on the internet), or
 * Firefox or WebKit (scripts/browsers.mjs).
 *
 * @returns {Promise<import('playwright-core').Browser>}
 */
export function launchBrowser() {
  return ENGINE === 'chromium' ? launchChromium() : launchEngine(ENGINE);
}

/**
 * The static server; for Firefox and WebKit behind engines.mjs's proxy, which reports its
 * requests and serves init scripts and routes (what their drivers cannot do).
 *
 * @param {Parameters<typeof startStaticServer>[0]} options
 */
async function serveSite(options) {
  const site = await startStaticServer(options);
  if (ENGINE === 'chromium') return site;
  try {
    const proxy = await startSiteProxy(site.origin);
    return { origin: proxy.origin, close: () => Promise.all([proxy.close(), site.close()]).then(() => undefined) };
  } catch (error) {
    await site.close();
    throw error;
  }
}

/**
 * @typedef {object} Stack
 * @property {string} appOrigin origin of the static server (`http://localhost:<port>`)
 * @property {string} issuer the provider's issuer (`http://127.0.0.1:<port>`)
 * @property {string} clientId the registered public client
 * @property {Record<string, any>} metadata the provider's discovery document
 * @property {string} tokenEndpoint
 * @property {import('oidc-provider').default} provider
 * @property {(params?: Record<string, string | null | undefined>, page?: string) => string} pageUrl
 *   URL of a test page configured with `issuer` and `client_id` plus `params` (a `null` or
 *   `undefined` value leaves that parameter out, e.g. `{ client_id: null }`)
 * @property {() => Promise<void>} close
 */

/**
 * Starts the static server (on `localhost`) and the provider (on `127.0.0.1`), both on free
 * ports, with every test page and the demo registered as redirect and post-logout URIs.
 *
 * @param {object} [options]
 * @param {number} [options.accessTokenTtl] access token lifetime in seconds
 * @param {object} [options.configOverrides] merged into the provider configuration
 * @param {boolean} [options.requirePar] the provider refuses authorization requests not pushed first
 * @param {Parameters<typeof startStaticServer>[0]['headers']} [options.headers] extra static
 *   server response headers
 * @param {() => Record<string, string> | undefined} [options.providerHeaders] extra provider
 *   response headers, read at each request
 * @returns {Promise<Stack>}
 */
export async function startStack(options = {}) {
  const site = await serveSite({ host: 'localhost', port: 0, root, headers: options.headers });
  let op;
  let untap = () => {};
  try {
    const pages = (await readdir(PAGES_DIR)).filter((name) => name.endsWith('.html'));
    const redirectUris = [
      ...pages.map((name) => `${site.origin}${PAGES_PATH}${name}`),
      `${site.origin}/demo/`,
    ];
    op = await startProvider({
      host: '127.0.0.1',
      port: 0,
      redirectUris,
      postLogoutRedirectUris: redirectUris,
      accessTokenTtl: options.accessTokenTtl,
      requirePar: options.requirePar,
      configOverrides: options.configOverrides,
      headers: options.providerHeaders,
    });
    if (ENGINE !== 'chromium') untap = tapProvider(op.provider, op.issuer);
    const metadata = await (await fetch(`${op.issuer}/.well-known/openid-configuration`)).json();

    const pageUrl = (params = {}, page = 'element') => {
      const search = new URLSearchParams();
      const all = { issuer: op.issuer, client_id: DEFAULT_CLIENT_ID, ...params };
      for (const [name, value] of Object.entries(all)) {
        if (value !== null && value !== undefined) search.set(name, value);
      }
      return `${site.origin}${PAGES_PATH}${page}.html?${search}`;
    };

    return {
      appOrigin: site.origin,
      issuer: op.issuer,
      clientId: DEFAULT_CLIENT_ID,
      metadata,
      tokenEndpoint: metadata.token_endpoint,
      provider: op.provider,
      pageUrl,
      close: async () => {
        untap();
        await Promise.all([op.close(), site.close()]);
      },
    };
  } catch (error) {
    untap();
    await Promise.all([op?.close(), site.close()]);
    throw error;
  }
}

/**
 * @typedef {object} RecordedRequest
 * @property {string} method
 * @property {string} url
 * @property {string | null} grantType `grant_type` of a form body, when there is one
 * @property {number} at when the request was sent (epoch milliseconds, this machine's clock)
 * @property {boolean} navigation whether it is a navigation request
 */

/**
 * Records every request a page (or all pages of a browser context) sends whose URL matches.
 *
 * @param {import('playwright-core').Page | import('playwright-core').BrowserContext} target
 * @param {(url: URL) => boolean} matches
 * @returns {{ requests: RecordedRequest[], stop: () => void }}
 */
export function recordRequests(target, matches) {
  const requests = [];
  const onRequest = (request) => {
    const url = new URL(request.url());
    if (!matches(url)) return;
    let grantType = null;
    try {
      grantType = new URLSearchParams(request.postData() ?? '').get('grant_type');
    } catch {
      // not a form body
    }
    requests.push({
      method: request.method(),
      url: request.url(),
      grantType,
      at: Date.now(),
      navigation: request.isNavigationRequest(),
    });
  };
  target.on('request', onRequest);
  return { requests, stop: () => target.off('request', onRequest) };
}

/**
 * Records every request sent to a token endpoint (URL without query and fragment).
 *
 * @param {import('playwright-core').Page | import('playwright-core').BrowserContext} target
 * @param {string} tokenEndpoint
 */
export function recordTokenRequests(target, tokenEndpoint) {
  const endpoint = new URL(tokenEndpoint);
  return recordRequests(
    target,
    (url) => url.origin === endpoint.origin && url.pathname === endpoint.pathname,
  );
}

/**
 * Keeps, in every page of `context` (from its next navigation on), the details of each `token`
 * event the page's elements fire, full tokens included, in `window.__tokens` (memory only:
 * nothing is written to any storage). Read them with {@link readTokens}.
 *
 * @param {import('playwright-core').BrowserContext} context
 */
export function captureTokens(context) {
  return context.addInitScript(() => {
    window.__tokens = [];
    document.addEventListener('token', (event) => {
      const { accessToken, tokenType, expiresAt, scope } = event.detail;
      window.__tokens.push({ accessToken, tokenType, expiresAt, scope, at: Date.now() });
    });
  });
}

/**
 * The `token` events seen by this page since it loaded (see {@link captureTokens}).
 *
 * @param {import('playwright-core').Page} page
 * @returns {Promise<{ accessToken: string, tokenType: string, expiresAt: number, scope: string,
 *   at: number }[]>}
 */
export function readTokens(page) {
  return page.evaluate(() => window.__tokens ?? []);
}

/**
 * Polls `probe` until it returns a truthy value; page navigations in between are tolerated.
 *
 * @template T
 * @param {() => Promise<T> | T} probe
 * @param {{ timeout?: number, interval?: number, describe?: () => Promise<string> | string }} [options]
 * @returns {Promise<T>}
 */
export async function poll(probe, { timeout = DEFAULT_TIMEOUT, interval = 50, describe } = {}) {
  const deadline = Date.now() + timeout;
  let lastError;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = describe ? await Promise.resolve(describe()).catch(() => '') : '';
      throw new Error(`timed out after ${timeout} ms${detail ? `: ${detail}` : ''}`
        + `${lastError ? ` (last error: ${lastError.message})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/**
 * The events recorded by the test page in this tab (`{ type, detail, at, url }[]`).
 *
 * @param {import('playwright-core').Page} page
 */
export async function readEvents(page) {
  return page.evaluate(() => window.__events ?? JSON.parse(sessionStorage.getItem('e2e-events') ?? '[]'));
}

/** A one-line summary of a page's state, for assertion messages. */
export async function describePage(page) {
  try {
    const state = await page.evaluate(() => ({
      status: document.querySelector('pkce-login')?.status,
      events: window.__events,
      pageErrors: window.__pageErrors,
    }));
    return `url=${page.url()} status=${state.status} events=${JSON.stringify(state.events)}`
      + ` pageErrors=${JSON.stringify(state.pageErrors)}`;
  } catch {
    return `url=${page.url()}`;
  }
}

/**
 * Waits until the test page has recorded an event of `type` (matching `predicate`), and
 * returns it.
 *
 * @param {import('playwright-core').Page} page
 * @param {string} type
 * @param {{ predicate?: (event: any) => boolean, timeout?: number }} [options]
 */
export function waitForRecordedEvent(page, type, { predicate = () => true, timeout } = {}) {
  return poll(async () => (await readEvents(page)).find((e) => e.type === type && predicate(e)), {
    timeout,
    describe: () => describePage(page),
  });
}

/**
 * Waits until the element's `status` property is `status`.
 *
 * @param {import('playwright-core').Page} page
 * @param {'loading' | 'signed-out' | 'signing-in' | 'signed-in'} status
 */
export function waitForStatus(page, status, { timeout } = {}) {
  return poll(
    async () => (await page.evaluate(() => document.querySelector('pkce-login')?.status)) === status,
    { timeout, describe: async () => `expected status ${status}; ${await describePage(page)}` },
  );
}

const isInteraction = (url) => url.pathname.startsWith('/interaction/');
const isCallback = (url) => url.searchParams.has('state')
  && (url.searchParams.has('code') || url.searchParams.has('error'));

/**
 * Watches a page for the navigation back to a redirect URI with an authorization response.
 *
 * @param {import('playwright-core').Page} page
 */
function watchCallback(page) {
  const seen = { url: undefined };
  const onRequest = (request) => {
    if (!request.isNavigationRequest() || request.frame() !== page.mainFrame()) return;
    const url = new URL(request.url());
    if (!isInteraction(url) && isCallback(url)) seen.url = request.url();
  };
  page.on('request', onRequest);
  return { seen, stop: () => page.off('request', onRequest) };
}

/**
 * Runs `action` and waits until the page's main frame has committed a new document. A page that
 * closes itself meanwhile (a login popup handing its response over) is done too.
 */
async function navigateBy(page, action, timeout = DEFAULT_TIMEOUT) {
  const navigated = page.waitForEvent('framenavigated', {
    predicate: (frame) => frame === page.mainFrame(),
    timeout,
  });
  // It may fail while the action still runs (a popup that closes itself as the click returns):
  // handled at once, and read below; else Node reports an unhandled rejection and fails the test.
  navigated.catch(() => {});
  try {
    await action();
    await navigated;
    await page.waitForLoadState('domcontentloaded', { timeout });
  } catch (error) {
    // A popup that closes itself as it hands its response over is done too. The engines beside
    // Chromium learn of a close by polling: the failed click or probe may come first.
    const closed = page.isClosed() || (await page.waitForEvent('close', { timeout: 2000 }).then(() => true, () => false));
    if (!closed) throw error;
  }
}

/** Waits for the provider's interaction page, or the return to the app (already signed in). */
async function reachProvider(page, callback, timeout) {
  try {
    await page.waitForURL((url) => isInteraction(url) || callback.seen.url !== undefined, {
      timeout,
      waitUntil: 'domcontentloaded',
    });
  } catch (error) {
    const text = await page.locator('body').innerText({ timeout: 1000 }).catch(() => '');
    throw new Error(`the provider's sign-in page did not appear (at ${page.url()}): `
      + `${text.slice(0, 300)}`, { cause: error });
  }
}

/**
 * Signs in at the provider's development login form and confirms its consent page, after the
 * element has sent the browser there. Returns once the browser is back at the redirect URI.
 *
 * @param {import('playwright-core').Page} page
 * @param {string} login any login; it becomes the user's `sub` and `name`
 * @param {{ password?: string, timeout?: number }} [options]
 * @returns {Promise<{ callbackUrl: string | undefined, prompts: string[] }>} the exact
 *   authorization response URL and the provider pages seen (`login`, `consent`)
 */
export async function signInAtProvider(page, login, { password = 'any password', timeout = DEFAULT_TIMEOUT } = {}) {
  const callback = watchCallback(page);
  const prompts = [];
  try {
    await reachProvider(page, callback, timeout);
    for (;;) {
      if (callback.seen.url !== undefined) break;
      if (!isInteraction(new URL(page.url()))) {
        // an intermediate provider page (e.g. ending another account's session) moves on alone
        await reachProvider(page, callback, timeout);
        continue;
      }
      const prompt = await page.locator('form input[name="prompt"]').first().getAttribute('value', { timeout });
      prompts.push(prompt);
      if (prompt === 'login') {
        await page.fill('input[name="login"]', login, { timeout });
        await page.fill('input[name="password"]', password, { timeout });
      } else if (prompt !== 'consent') {
        throw new Error(`unexpected provider prompt ${prompt}`);
      }
      await navigateBy(page, () => page.click('form button[type="submit"]', { timeout }), timeout);
      if (prompts.length > 4) throw new Error(`provider prompts loop: ${prompts.join(', ')}`);
    }
    return { callbackUrl: callback.seen.url, prompts };
  } finally {
    callback.stop();
  }
}

/**
 * Presses "Cancel" on the provider's sign-in page: the provider answers the redirect URI with
 * `error=access_denied`.
 *
 * @param {import('playwright-core').Page} page
 * @returns {Promise<{ callbackUrl: string | undefined }>}
 */
export async function cancelAtProvider(page, { timeout = DEFAULT_TIMEOUT } = {}) {
  const callback = watchCallback(page);
  try {
    await reachProvider(page, callback, timeout);
    await navigateBy(page, () => page.click('a[href$="/abort"]', { timeout }), timeout);
    return { callbackUrl: callback.seen.url };
  } finally {
    callback.stop();
  }
}

/**
 * Waits for the provider's RP-Initiated Logout page and confirms it; returns once the browser
 * has left the provider.
 *
 * @param {import('playwright-core').Page} page
 * @param {{ issuer: string, timeout?: number }} options
 */
export async function confirmLogoutAtProvider(page, { issuer, timeout = DEFAULT_TIMEOUT }) {
  const origin = new URL(issuer).origin;
  await page.waitForURL((url) => url.origin === origin && url.pathname === '/session/end', {
    timeout,
    waitUntil: 'domcontentloaded',
  });
  await page.click('button[name="logout"][value="yes"]', { timeout });
  await page.waitForURL((url) => url.origin !== origin, { timeout, waitUntil: 'domcontentloaded' });
}

/**
 * Opens a test page, waits for the signed-out element, presses "Log in", signs in at the
 * provider and waits for the signed-in element.
 *
 * @param {import('playwright-core').Page} page
 * @param {Stack} stack
 * @param {string} login
 * @param {Record<string, string | null | undefined>} [params] extra page parameters
 */
export async function loginThroughProvider(page, stack, login, params = {}) {
  await page.goto(stack.pageUrl(params));
  await waitForStatus(page, 'signed-out');
  await page.click(LOGIN_BUTTON);
  const result = await signInAtProvider(page, login);
  await waitForStatus(page, 'signed-in');
  return result;
}

/**
 * A loopback port with nothing listening on it (it was free a moment ago).
 *
 * @returns {Promise<number>}
 */
export function closedPort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * One browser and one app + provider stack for a whole test file: registers `before` and `after`
 * hooks that start and stop them. Read `browser` and `stack` from the returned object inside
 * tests (they are set once the `before` hook has run).
 *
 * @param {Parameters<typeof startStack>[0]} [options] passed to {@link startStack}
 * @returns {{ browser: import('playwright-core').Browser, stack: Awaited<ReturnType<typeof startStack>> }}
 */
export function useBrowserAndStack(options) {
  const fixture = /** @type {any} */ ({});
  before(async () => {
    [fixture.browser, fixture.stack] = await Promise.all([launchBrowser(), startStack(options)]);
  });
  after(async () => {
    await Promise.all([fixture.browser?.close(), fixture.stack?.close()]);
  });
  return fixture;
}
