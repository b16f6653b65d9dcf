/**
 * Interop suite helpers: the app (the e2e element page on its own static server), one Chromium
 * per test file, and the login journey every provider goes through with the built bundle:
 * login with the user's name shown, reload restores, a refresh grant, logout back to the app.
 *
 * Browser and page helpers come from test/e2e/harness.mjs; only what the e2e suite does not
 * need (several providers, their own login pages, response recording) lives here.
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStaticServer } from '../../scripts/static-server.mjs';
import {
  launchBrowser, captureTokens, readTokens, readEvents, describePage, poll, waitForStatus,
  LOGIN_BUTTON, LOGOUT_BUTTON, USER_NAME,
} from '../e2e/harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ELEMENT_PAGE = '/test/e2e/pages/element.html';
const TIMEOUT = 20_000;

/**
 * Imports the npm packages a provider needs. A missing one is a failure with a one-line install
 * hint, never a skip.
 *
 * @param {string[]} names
 * @returns {Promise<any[]>} the modules, in order
 */
export async function requirePackages(names) {
  const modules = [];
  // oidc-provider warns about the Node.js version when imported; scripts/provider.mjs filters it too.
  const { warn } = console;
  console.warn = (...args) => {
    if (!(typeof args[0] === 'string' && /oidc-provider (WARNING|NOTICE):/.test(args[0]))) warn.apply(console, args);
  };
  try {
    for (const name of names) {
      const pkg = name.split('/').slice(0, name.startsWith('@') ? 2 : 1).join('/');
      try {
        modules.push(await import(name));
      } catch (error) {
        if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes(`'${pkg}'`)) throw error;
        throw new Error(`${pkg} is not installed: run \`npm install\` (it is a devDependency of pkce-login)`, { cause: error });
      }
    }
  } finally {
    console.warn = warn;
  }
  return modules;
}

/**
 * @typedef {object} App
 * @property {string} origin `http://localhost:<port>`
 * @property {string} redirectUri the element page, which is also the post-logout redirect URI
 * @property {(attributes: Record<string, string>) => string} pageUrl the element page with these attributes
 */

/**
 * One browser and one app (static server on `localhost`) for a test file.
 *
 * @returns {{ browser: import('playwright-core').Browser, app: App }}
 */
export function useBrowserAndApp() {
  const fixture = /** @type {any} */ ({});
  before(async () => {
    const [browser, site] = await Promise.all([
      launchBrowser(),
      startStaticServer({ host: 'localhost', port: 0, root }),
    ]);
    fixture.browser = browser;
    fixture.site = site;
    fixture.app = {
      origin: site.origin,
      redirectUri: `${site.origin}${ELEMENT_PAGE}`,
      pageUrl: (attributes) => `${site.origin}${ELEMENT_PAGE}?${new URLSearchParams(attributes)}`,
    };
  });
  after(async () => {
    await Promise.all([fixture.browser?.close(), fixture.site?.close()]);
  });
  return fixture;
}

/**
 * @typedef {object} Exchange
 * @property {string} method
 * @property {string} url
 * @property {number} status
 * @property {string | null} grantType
 * @property {string | null} authorization the Authorization scheme sent (`Bearer`, `DPoP`)
 * @property {boolean} dpopProof whether a DPoP header was sent
 * @property {Record<string, string>} form the form body, when there is one
 */

/**
 * Records every response (with its request) of a browser context whose URL matches.
 *
 * @param {import('playwright-core').BrowserContext} context
 * @param {(url: URL) => boolean} matches
 * @returns {Exchange[]}
 */
export function recordExchanges(context, matches) {
  const exchanges = [];
  context.on('response', (response) => {
    const request = response.request();
    const url = new URL(request.url());
    if (!matches(url) || request.method() === 'OPTIONS') return;
    // Synchronously, so that what the page saw next finds the exchange recorded.
    const headers = request.headers();
    let form = {};
    try {
      form = Object.fromEntries(new URLSearchParams(request.postData() ?? ''));
    } catch {
      // not a form body
    }
    exchanges.push({
      method: request.method(),
      url: request.url(),
      status: response.status(),
      grantType: form.grant_type ?? null,
      authorization: headers.authorization?.split(' ')[0] ?? null,
      dpopProof: 'dpop' in headers,
      form,
    });
  });
  return exchanges;
}

/** URL matcher for one endpoint (origin and path; query ignored). */
export function endpoint(href) {
  const target = new URL(href);
  return (url) => url.origin === target.origin && url.pathname === target.pathname;
}

/**
 * @typedef {object} Journey
 * @property {Record<string, string>} attributes the element's attributes: exactly those documented
 *   for the provider in docs/providers.md
 * @property {string} name the name the element must show
 * @property {(page: import('playwright-core').Page) => Promise<void>} signIn completes the
 *   provider's login pages after "Log in"; resolves once the browser is on its way back
 * @property {(page: import('playwright-core').Page) => Promise<void>} [signOut] the provider's
 *   logout pages after "Log out", if any
 * @property {string} tokenEndpoint
 * @property {string} [userinfoEndpoint] checked to answer 200 to the login
 * @property {Record<string, unknown>} [claims] claims `user` must have after the login
 * @property {'Bearer' | 'DPoP'} [tokenType='Bearer']
 * @property {string} [endSessionEndpoint] the logout must pass through it (origin and path)
 * @property {string | null} [revocationEndpoint] a URL: logout must revoke the refresh token
 *   there; `null`: no revocation request at all
 * @property {number} accessTokenTtl seconds; the refresh grant is awaited that long and a bit
 * @property {boolean} [callbackIss] the authorization response must carry `iss` (RFC 9207), the issuer
 * @property {string} [parEndpoint] the login must push its request there (RFC 9126) and send only
 *   `client_id` and `request_uri` to the authorization endpoint
 * @property {(accessToken: string) => void} [accessToken] more checks of the first access token
 * @property {string | Partial<Record<'login' | 'reload' | 'refresh' | 'logout' | 'revocation', string>>} [todo]
 *   steps that fail only because of a known widget bug: still run, reported as todo
 */

/**
 * Runs the login journey as subtests of `t`: `login`, `reload restores`, `refresh grant`,
 * `logout back to the app` and, with `revocationEndpoint`, `logout revokes`.
 *
 * @param {import('node:test').TestContext} t
 * @param {{ browser: import('playwright-core').Browser, app: App }} env
 * @param {Journey} journey
 */
export async function runJourney(t, env, journey) {
  const { app, browser } = env;
  const todo = (step) => (typeof journey.todo === 'string' ? journey.todo : journey.todo?.[step]);
  const context = await browser.newContext();
  t.after(() => context.close());
  await captureTokens(context);
  const tokenCalls = recordExchanges(context, endpoint(journey.tokenEndpoint));
  const userinfoCalls = journey.userinfoEndpoint ? recordExchanges(context, endpoint(journey.userinfoEndpoint)) : [];
  // Every request to a provider (revocation requests are told by their `token` parameter).
  const providerCalls = recordExchanges(context, (url) => url.origin !== app.origin);
  const navigations = [];
  context.on('request', (request) => {
    if (request.isNavigationRequest()) navigations.push(request.url());
  });
  const page = await context.newPage();
  const state = { failed: undefined, firstToken: undefined };

  /** A step: fails at once when an earlier one did, since it needs the signed-in page. */
  const step = (name, key, fn) => t.test(name, { todo: todo(key), timeout: 60_000 }, async () => {
    if (state.failed) throw new Error(`not run: the "${state.failed}" step failed`);
    try {
      await fn();
    } catch (error) {
      state.failed = name;
      throw new Error(`${error.message}\n  page: ${await describePage(page)}`, { cause: error });
    }
  });
  /** The error events so far; read again once the page has loaded when it is navigating. */
  const errors = async () => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return (await readEvents(page)).filter((e) => e.type === 'error');
      } catch (error) {
        if (attempt >= 20) throw error;
        await page.waitForLoadState('load', { timeout: TIMEOUT }).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  const shownName = async () => (await page.locator(USER_NAME).textContent({ timeout: TIMEOUT }))?.trim();

  await step('login: the user is signed in and named', 'login', async () => {
    await page.goto(app.pageUrl(journey.attributes));
    await waitForStatus(page, 'signed-out', { timeout: TIMEOUT });
    const leaving = navigations.length;
    await page.click(LOGIN_BUTTON);
    // The element navigates to the provider, or reports why it cannot.
    await poll(async () => navigations.length > leaving || (await errors()).length > 0, { timeout: TIMEOUT });
    assert.deepEqual(await errors(), [], 'no error event');
    await journey.signIn(page);
    await poll(async () => new URL(page.url()).origin === app.origin
      && (await page.evaluate(() => document.querySelector('pkce-login')?.status)) === 'signed-in'
      || (await errors()).length > 0, { timeout: TIMEOUT, describe: () => describePage(page) });
    assert.deepEqual(await errors(), [], 'no error event');
    const login = (await readEvents(page)).find((e) => e.type === 'login');
    assert.ok(login, 'a login event');
    assert.equal(login.detail.restored, false);
    assert.equal(await shownName(), journey.name, 'the name is shown');
    for (const [claim, value] of Object.entries(journey.claims ?? {})) {
      assert.deepEqual(login.detail.user[claim], value, `user.${claim}`);
    }
    const [token] = await readTokens(page);
    assert.ok(token?.accessToken, 'a token event with an access token');
    assert.equal(token.tokenType, journey.tokenType ?? 'Bearer', 'token type');
    state.firstToken = token.accessToken;
    const codeGrant = tokenCalls.find((c) => c.grantType === 'authorization_code');
    assert.equal(codeGrant?.status, 200, 'the code grant answered 200');
    assert.equal(codeGrant.dpopProof, (journey.tokenType ?? 'Bearer') === 'DPoP', 'a DPoP proof only for DPoP');
    const callback = navigations.map((href) => new URL(href))
      .find((url) => url.href.startsWith(app.redirectUri) && url.searchParams.has('code'));
    assert.ok(callback, 'the provider answered the redirect URI with a code');
    if (journey.callbackIss) assert.equal(callback.searchParams.get('iss'), journey.attributes.issuer, 'iss in the response');
    if (journey.parEndpoint) {
      const pushed = providerCalls.filter((c) => endpoint(journey.parEndpoint)(new URL(c.url)));
      assert.deepEqual(pushed.map((c) => c.status), [201], 'one pushed authorization request, answered 201');
      const authorization = navigations.map((href) => new URL(href)).find((url) => url.searchParams.has('request_uri'));
      assert.deepEqual([...authorization.searchParams.keys()].sort(), ['client_id', 'request_uri'],
        'the authorization request carries only client_id and request_uri');
    }
    journey.accessToken?.(token.accessToken);
    if (journey.userinfoEndpoint) {
      assert.deepEqual(userinfoCalls.map((c) => [c.status, c.authorization]), [[200, journey.tokenType ?? 'Bearer']],
        'one userinfo request, answered 200');
    }
  });

  await step('reload: the session is restored', 'reload', async () => {
    const reloadAt = Date.now();
    await page.reload();
    await waitForStatus(page, 'signed-in', { timeout: TIMEOUT });
    const restored = await poll(async () => (await readEvents(page))
      .find((e) => e.type === 'login' && e.at >= reloadAt), { timeout: TIMEOUT });
    assert.equal(restored.detail.restored, true, 'login with restored: true');
    assert.equal(await shownName(), journey.name, 'the name is shown after reload');
    assert.deepEqual(await errors(), [], 'no error event');
  });

  await step('refresh: the refresh grant renews the access token', 'refresh', async () => {
    const refreshed = await poll(() => tokenCalls.find((c) => c.grantType === 'refresh_token'), {
      timeout: journey.accessTokenTtl * 1000 + TIMEOUT,
      describe: () => `token requests: ${JSON.stringify(tokenCalls.map((c) => [c.grantType, c.status]))}`,
    });
    assert.equal(refreshed.status, 200, 'the refresh grant answered 200');
    assert.equal(refreshed.dpopProof, (journey.tokenType ?? 'Bearer') === 'DPoP', 'a DPoP proof only for DPoP');
    const renewed = await poll(async () => {
      const token = await page.evaluate(() => document.querySelector('pkce-login').getAccessToken());
      return token !== state.firstToken && token;
    }, { timeout: TIMEOUT });
    const tokens = await readTokens(page);
    assert.equal(tokens.at(-1)?.accessToken, renewed, 'a token event carried the renewed access token');
    assert.equal(await page.evaluate(() => document.querySelector('pkce-login').status), 'signed-in');
    assert.deepEqual(await errors(), [], 'no error event');
  });

  await step('logout: back at the app, signed out', 'logout', async () => {
    const before = navigations.length;
    await page.click(LOGOUT_BUTTON);
    await journey.signOut?.(page);
    if (journey.endSessionEndpoint) {
      const atEndSession = endpoint(journey.endSessionEndpoint);
      await poll(() => navigations.slice(before).some((href) => atEndSession(new URL(href))), {
        timeout: TIMEOUT,
        describe: () => `the browser did not go to ${journey.endSessionEndpoint}: ${navigations.slice(before)}`,
      });
      await page.waitForURL((url) => url.origin === app.origin, { timeout: TIMEOUT, waitUntil: 'load' });
    }
    await waitForStatus(page, 'signed-out', { timeout: TIMEOUT });
    const logout = await poll(async () => (await readEvents(page)).find((e) => e.type === 'logout'), { timeout: TIMEOUT });
    assert.equal(logout.detail.reason, 'user', 'a logout event, reason user');
    assert.equal(new URL(page.url()).origin, app.origin, 'back at the app');
    assert.deepEqual(await errors(), [], 'no error event');
  });

  if (journey.revocationEndpoint !== undefined) {
    const name = journey.revocationEndpoint
      ? 'logout revokes the refresh token'
      : 'logout sends no revocation request (the provider has no revocation endpoint)';
    await step(name, 'revocation', async () => {
      const revocations = providerCalls.filter((c) => c.method === 'POST' && c.form.token);
      if (!journey.revocationEndpoint) {
        assert.deepEqual(revocations.map((c) => c.url), [], 'no revocation request');
        return;
      }
      const revocation = revocations.find((c) => endpoint(journey.revocationEndpoint)(new URL(c.url)));
      assert.ok(revocation, `a revocation request to ${journey.revocationEndpoint}; seen: ${revocations.map((c) => c.url)}`);
      assert.ok(revocation.status >= 200 && revocation.status < 300, `revocation answered ${revocation.status}`);
      assert.ok(revocation.form.token, 'it names a token');
    });
  }
}

/**
 * Signs in at node oidc-provider's development login page and confirms its consent page,
 * wherever they are mounted (the e2e harness's `signInAtProvider` expects them at the root);
 * resolves once the browser is back at the app.
 *
 * @param {import('playwright-core').Page} page
 * @param {string} login
 * @param {string} appOrigin
 */
export async function signInAtOidcProvider(page, login, appOrigin) {
  const prompts = [];
  // First away from the app (the element navigates after its click handler), then back.
  await page.waitForURL((url) => url.origin !== appOrigin, { timeout: TIMEOUT, waitUntil: 'commit' });
  for (;;) {
    await page.waitForURL((url) => url.origin === appOrigin || url.pathname.includes('/interaction/'), {
      timeout: TIMEOUT, waitUntil: 'domcontentloaded',
    });
    if (new URL(page.url()).origin === appOrigin) return prompts;
    const prompt = await page.locator('form input[name="prompt"]').first().getAttribute('value', { timeout: TIMEOUT });
    prompts.push(prompt);
    if (prompts.length > 4) throw new Error(`provider prompts loop: ${prompts.join(', ')}`);
    if (prompt === 'login') {
      await page.fill('input[name="login"]', login);
      await page.fill('input[name="password"]', 'any password');
    } else if (prompt !== 'consent') {
      throw new Error(`unexpected provider prompt ${prompt}`);
    }
    const current = page.url();
    await page.click('form button[type="submit"]');
    await page.waitForURL((url) => url.href !== current, { timeout: TIMEOUT, waitUntil: 'commit' });
  }
}

/**
 * Confirms node oidc-provider's RP-Initiated Logout page, wherever its end-session route is
 * mounted, and waits until the browser has left the provider.
 *
 * @param {import('playwright-core').Page} page
 * @param {string} endSessionEndpoint
 */
export async function confirmOidcProviderLogout(page, endSessionEndpoint) {
  const at = endpoint(endSessionEndpoint);
  const { origin } = new URL(endSessionEndpoint);
  await page.waitForURL(at, { timeout: TIMEOUT, waitUntil: 'domcontentloaded' });
  await page.click('button[name="logout"][value="yes"]', { timeout: TIMEOUT });
  await page.waitForURL((url) => url.origin !== origin, { timeout: TIMEOUT, waitUntil: 'domcontentloaded' });
}
