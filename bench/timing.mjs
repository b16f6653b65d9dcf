/**
 * Time: full logins in Chromium (playwright-core) against the local oidc-provider, for each timed
 * app, interleaved round by round.
 *
 * What is measured, in the page's own clock (performance.now()), the same way for every app:
 *
 * (a) click → navigation: from a capture-phase `click` listener on `document` (it runs before any
 *     app handler, and sees clicks inside our shadow root since `click` is composed) to the
 *     `beforeunload` event of the same document. Every app leaves with `location.assign()`, and
 *     Chromium fires `beforeunload` synchronously inside that call, just before it hands the
 *     navigation to the browser process: the moment the app lets go. Both marks are kept in
 *     `sessionStorage` (same tab, same origin) and read back on the callback page.
 *     The button is pressed by the page itself (`button.click()` from a timer that Playwright sets
 *     300 ms earlier), not by Playwright's `page.click()`: during a `page.click()` the browser
 *     process is busy with the driver's input commands, and any work that needs it (an IndexedDB
 *     open or commit) waits several milliseconds for the harness, which a real click does not.
 *     BENCH_CLICK=playwright measures with `page.click()` instead.
 *     Cross-check (a′): the authorization request's start as Chromium's network stack reports it
 *     (Playwright `request.timing().startTime`, wall clock) minus the click (`performance.timeOrigin
 *     + performance.now()`): the same span plus the browser-side hand-off to the network, and no
 *     app work.
 * (b) callback → tokens: from `responseStart` of the callback document's navigation entry (its
 *     first byte received) to the app's tokens being available: our `token` event, and for the
 *     others an app-level `token` event fired when `signinRedirectCallback()` resolves
 *     (oidc-client-ts, with or without the lit button) or the token response's JSON is parsed (floor). A capture listener on
 *     `document` records it, and tells the driver with a console message (no command is sent to
 *     the page while it works).
 *
 * The provider's login form is kept out of the timed logins: one untimed login per app signs in
 * and consents first; after that the provider answers each authorization request with a redirect
 * straight back (a full round trip: one authorization request and one token request, checked for
 * every login). Each login runs in a new tab; our stored session is deleted after each login, so
 * that the next one starts signed out.
 */
import { fork } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, signInAtProvider } from '../test/e2e/harness.mjs';
import { bundleApp, root } from './bytes.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const TIMEOUT = 20_000;

/**
 * How the Log in button is pressed: `self` (default), by the page itself from a timer; or
 * `playwright`, with Playwright's `page.click()` (BENCH_CLICK=playwright).
 */
export const CLICK = process.env.BENCH_CLICK === 'playwright' ? 'playwright' : 'self';

/**
 * How the apps' scripts are served: `cdn` (default), cacheable for a year and immutable, as a CDN
 * serves a versioned file, so that the callback page finds the script the login page loaded
 * moments before in the HTTP cache (and Chromium its compiled code); or `none`
 * (BENCH_CACHE=none), `no-store`: every page fetches and compiles every script anew. The pages
 * themselves are always `no-store`.
 */
export const CACHE = process.env.BENCH_CACHE === 'none' ? 'none' : 'cdn';
const SELF_CLICK_DELAY_MS = 300;

/** The timed apps: page file, how to find its login button, how to sign out after a login. */
export const TIMED_APPS = {
  'pkce-login': {
    name: '<pkce-login> (dist/pkce-login.js)',
    ours: true,
    script: 'pkce-login.cdn.js',
    body: (config) => `<pkce-login issuer="${config.issuer}" client-id="${config.clientId}"></pkce-login>`,
    button: 'pkce-login button[part~="login"]:not([disabled])',
    target: ['pkce-login', 'button[part~="login"]'],
    // The stored session is deleted so that the next page starts signed out, at the Log in button.
    // (Not logout(): it revokes the refresh token, and oidc-provider then drops the whole grant, so
    // the next login of every app would stop at the consent page.)
    async reset(page) {
      await page.waitForFunction(() => document.querySelector('pkce-login')?.status === 'signed-in', null, { timeout: TIMEOUT });
      await page.evaluate(() => new Promise((resolve, reject) => {
        const open = indexedDB.open('pkce-login-sessions');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction('sessions', 'readwrite');
          tx.objectStore('sessions').clear();
          tx.oncomplete = () => { open.result.close(); resolve(); };
          tx.onerror = () => reject(tx.error);
        };
      }));
    },
  },
  floor: { name: 'hand-written PKCE page (floor)', entry: 'floor.js', button: 'button' },
  'floor-idb': { name: 'the floor, transaction in IndexedDB', entry: 'floor-idb.js', button: 'button' },
  'oidc-client-ts': { name: 'oidc-client-ts', entry: 'oidc-client-ts.js', button: 'button' },
  // The same UserManager behind a LitElement button (in its shadow root).
  'oidc-client-ts-lit': {
    name: 'oidc-client-ts + lit (LitElement button)',
    entry: 'oidc-client-ts-lit.js',
    body: () => '<oidc-login></oidc-login>',
    button: 'oidc-login button[part~="login"]',
    target: ['oidc-login', 'button[part~="login"]'],
  },
};
// The same element and bundle against the provider without DPoP: no key pair at the click, no
// proofs on the token and userinfo requests (like for like with the others, which do no DPoP).
TIMED_APPS['pkce-login-no-dpop'] = { ...TIMED_APPS['pkce-login'], name: '<pkce-login>, provider without DPoP', provider: 'plain' };

/** The measuring marks, in every page of the context before any page script. */
function measureScript() {
  const bench = (window.__bench = { token: undefined });
  document.addEventListener('click', () => {
    sessionStorage.setItem('bench:click', JSON.stringify({ at: performance.now(), origin: performance.timeOrigin }));
  }, true);
  addEventListener('beforeunload', () => {
    sessionStorage.setItem('bench:leave', String(performance.now()));
  });
  document.addEventListener('token', () => {
    if (bench.token !== undefined) return;
    bench.token = performance.now();
    // A console message: Playwright hears it without sending the page any command.
    console.debug('bench:token');
  }, true);
}

/**
 * Diagnostics only (a separate pass, never in the timed runs): marks around every fetch,
 * IndexedDB open and transaction, Web Lock, crypto.subtle call, BroadcastChannel message,
 * history.replaceState, custom element definition and shadow root render, in
 * `window.__benchTrace`; the marks of the page that leaves (from the click on) are handed to the
 * callback page in `sessionStorage`.
 */
function traceScript() {
  const marks = (window.__benchTrace = []);
  const counts = new Map();
  const mark = (name) => marks.push([name, performance.now()]);
  /** `name`, with `#2`, `#3` … when it happens more than once. */
  const unique = (name) => {
    const n = (counts.get(name) ?? 0) + 1;
    counts.set(name, n);
    return n === 1 ? name : `${name} #${n}`;
  };
  const where = (input) => {
    try {
      const url = new URL(input instanceof Request ? input.url : String(input), location.href);
      return url.origin === location.origin ? url.pathname : `provider ${url.pathname}`;
    } catch {
      return String(input);
    }
  };

  const originalFetch = window.fetch;
  window.fetch = function fetch(input, init) {
    const label = unique(`fetch ${where(input)}`);
    mark(`${label}: sent`);
    const promise = originalFetch.call(this, input, init);
    promise.then(() => mark(`${label}: headers`), () => mark(`${label}: failed`));
    return promise;
  };

  const open = IDBFactory.prototype.open;
  IDBFactory.prototype.open = function (name, ...rest) {
    const label = unique(`IndexedDB open ${name}`);
    mark(`${label}: start`);
    const request = open.call(this, name, ...rest);
    request.addEventListener('success', () => mark(`${label}: open`));
    return request;
  };
  const transaction = IDBDatabase.prototype.transaction;
  IDBDatabase.prototype.transaction = function (stores, mode, ...rest) {
    const label = unique(`IndexedDB ${this.name} ${mode ?? 'readonly'}`);
    mark(`${label}: start`);
    const tx = transaction.call(this, stores, mode, ...rest);
    tx.addEventListener('complete', () => mark(`${label}: committed`));
    return tx;
  };

  if (globalThis.LockManager) {
    const request = LockManager.prototype.request;
    LockManager.prototype.request = function (name, ...args) {
      const label = unique(`Web Lock ${String(name).split(' ')[0]}`);
      const callback = args[args.length - 1];
      mark(`${label}: requested`);
      args[args.length - 1] = async (lock) => {
        mark(`${label}: ${lock ? 'granted' : 'not available'}`);
        try {
          return await callback(lock);
        } finally {
          mark(`${label}: released`);
        }
      };
      return request.call(this, name, ...args);
    };
  }

  if (globalThis.BroadcastChannel) {
    const post = BroadcastChannel.prototype.postMessage;
    BroadcastChannel.prototype.postMessage = function (...args) {
      mark(unique('BroadcastChannel post'));
      return post.apply(this, args);
    };
  }
  const replaceState = History.prototype.replaceState;
  History.prototype.replaceState = function (...args) {
    mark(unique('history.replaceState'));
    return replaceState.apply(this, args);
  };
  const define = CustomElementRegistry.prototype.define;
  CustomElementRegistry.prototype.define = function (...args) {
    mark(unique(`customElements.define (module evaluated)`));
    return define.apply(this, args);
  };
  const replaceChildren = DocumentFragment.prototype.replaceChildren;
  DocumentFragment.prototype.replaceChildren = function (...args) {
    mark(unique('shadow root render'));
    return replaceChildren.apply(this, args);
  };
  if (globalThis.SubtleCrypto) {
    for (const method of ['digest', 'generateKey', 'exportKey', 'importKey', 'sign', 'verify']) {
      const original = SubtleCrypto.prototype[method];
      SubtleCrypto.prototype[method] = function (...args) {
        const label = unique(`crypto.subtle.${method}`);
        mark(`${label}: start`);
        const promise = original.apply(this, args);
        promise.then(() => mark(`${label}: done`), () => undefined);
        return promise;
      };
    }
  }
  // The marks of the page that leaves for the provider, from the click on, for the callback page.
  document.addEventListener('click', () => mark('click'), true);
  addEventListener('beforeunload', () => {
    mark('beforeunload');
    const from = marks.findLastIndex(([name]) => name === 'click');
    if (from >= 0) sessionStorage.setItem('bench:trace-leave', JSON.stringify(marks.slice(from)));
  });
  document.addEventListener('DOMContentLoaded', () => mark('DOMContentLoaded'));
  document.addEventListener('token', () => mark('token event'), true);
  document.addEventListener('login', () => mark('login event'), true);
}

/**
 * Starts the servers (child process), writes the pages and bundles, launches Chromium.
 *
 * @param {string[]} apps ids of {@link TIMED_APPS}
 * @param {{ oursBundle?: string }} [options] the bundle timed as ours (default dist/pkce-login.js)
 */
export async function startBench(apps, { oursBundle = path.join(root, 'dist/pkce-login.js') } = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'pkce-login-bench-'));
  const child = fork(path.join(here, 'servers.mjs'), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`bench servers exited (${code})`)));
  });
  child.send({ root: dir, pages: apps.map((id) => `${id}.html`), cache: CACHE });
  const stopServers = async () => {
    if (child.exitCode === null && child.connected) child.send('close');
    await new Promise((resolve) => {
      if (child.exitCode !== null) resolve();
      else child.once('exit', resolve);
    });
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const { origin, issuers, clientId } = await ready;
    /** Per provider: what the apps are built with and the requests are recognised by. */
    const providers = {};
    for (const [key, issuer] of Object.entries(issuers)) {
      const metadata = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
      providers[key] = {
        issuer,
        clientId,
        authorizationEndpoint: metadata.authorization_endpoint,
        tokenEndpoint: metadata.token_endpoint,
      };
    }
    await writePages(dir, apps, providers, oursBundle);
    const browser = await launchBrowser();
    return {
      origin,
      providers,
      browser,
      version: browser.version(),
      async close() {
        await browser.close().catch(() => undefined);
        await stopServers();
      },
    };
  } catch (error) {
    await stopServers();
    throw error;
  }
}

/** Each app's page and script, in the served folder. */
async function writePages(dir, apps, providers, oursBundle) {
  for (const id of apps) {
    const app = TIMED_APPS[id];
    const script = app.script ?? `${id}.js`;
    const config = providers[app.provider ?? 'main'];
    if (app.file) await copyFile(app.file, path.join(dir, script));
    else if (app.ours) await copyFile(oursBundle, path.join(dir, script));
    else await writeFile(path.join(dir, script), await bundleApp(app.entry, config));
    await writeFile(path.join(dir, `${id}.html`), `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${id}</title>
<link rel="icon" href="data:,">
<script type="module" src="${script}"></script>
</head>
<body>${app.body?.(config) ?? ''}</body>
</html>
`);
  }
}

/**
 * A browser context with the measuring script (and the tracing one when `trace`), in which every
 * app has logged in once (untimed: the provider's login and consent pages happen here).
 */
export async function newContext(bench, apps, { trace = false } = {}) {
  const context = await bench.browser.newContext();
  await context.addInitScript(measureScript);
  if (trace) await context.addInitScript(traceScript);
  const login = (id, options) => loginOnce(bench, context, id, options);
  for (const id of apps) await login(id, { warmUp: true });
  return { context, login };
}

/**
 * One full login of app `id` in a new tab.
 *
 * @returns {Promise<{ app: string, clickToNavigation: number, clickToRequest: number | undefined,
 *   callbackToToken: number, trace?: [string, number][], responseStart: number, resources: object[],
 *   valid: boolean, note?: string }>}
 */
async function loginOnce(bench, context, id, { warmUp = false } = {}) {
  const app = TIMED_APPS[id];
  const config = bench.providers[app.provider ?? 'main'];
  const page = await context.newPage();
  try {
    const tokenSeen = new Promise((resolve) => {
      page.on('console', (message) => { if (message.text() === 'bench:token') resolve(); });
    });
    const authorizationRequests = [];
    const tokenRequests = [];
    let interaction = false;
    page.on('request', (request) => {
      const url = request.url();
      if (url.startsWith(`${config.authorizationEndpoint}?`) && request.isNavigationRequest()) authorizationRequests.push(request);
      if (url === config.tokenEndpoint && request.method() === 'POST') tokenRequests.push(request);
      if (new URL(url).pathname.startsWith('/interaction/') && request.isNavigationRequest()) interaction = true;
    });

    await page.goto(`${bench.origin}/${id}.html`, { waitUntil: 'networkidle', timeout: TIMEOUT });
    await page.waitForSelector(app.button, { timeout: TIMEOUT });
    if (CLICK === 'playwright') {
      await page.click(app.button, { timeout: TIMEOUT });
    } else {
      // The page presses its own button a little later, from a timer: no command of the driver is
      // in flight during the timed span (see the file's comment).
      await page.evaluate(([path, delay]) => {
        setTimeout(() => {
          let target = document.querySelector(path[0]);
          for (const selector of path.slice(1)) target = target.shadowRoot.querySelector(selector);
          target.click();
        }, delay);
      }, [app.target ?? [app.button], SELF_CLICK_DELAY_MS]);
    }
    const atProvider = page
      .waitForURL((url) => url.pathname.startsWith('/interaction/'), { timeout: TIMEOUT, waitUntil: 'commit' })
      .then(() => true, () => false);
    const first = await withTimeout(Promise.race([tokenSeen.then(() => false), atProvider]), TIMEOUT,
      () => `${id}: neither a token event nor the provider's sign-in page (at ${page.url()})`);
    if (first) {
      // The provider's login or consent page: untimed logins only (a timed one is run again).
      await signInAtProvider(page, 'bench-user', { timeout: TIMEOUT });
      await withTimeout(tokenSeen, TIMEOUT, () => `${id}: no token event (at ${page.url()})`);
    }

    const measured = await page.evaluate(() => {
      const navigation = performance.getEntriesByType('navigation')[0];
      const click = JSON.parse(sessionStorage.getItem('bench:click') ?? 'null');
      const leave = Number(sessionStorage.getItem('bench:leave'));
      const leaveTrace = JSON.parse(sessionStorage.getItem('bench:trace-leave') ?? 'null');
      sessionStorage.removeItem('bench:click');
      sessionStorage.removeItem('bench:leave');
      sessionStorage.removeItem('bench:trace-leave');
      return {
        click,
        leave,
        token: window.__bench.token,
        responseStart: navigation.responseStart,
        trace: window.__benchTrace,
        leaveTrace,
        resources: performance.getEntriesByType('resource').map((entry) => ({
          name: entry.name,
          initiatorType: entry.initiatorType,
          startTime: entry.startTime,
          responseEnd: entry.responseEnd,
        })),
      };
    });
    const authorization = authorizationRequests[0];
    const requestStart = authorization ? await authorizationStart(authorization) : undefined;
    if (app.reset) await app.reset(page);

    const problems = [];
    if (authorizationRequests.length !== 1) problems.push(`${authorizationRequests.length} authorization requests`);
    if (tokenRequests.length !== 1) problems.push(`${tokenRequests.length} token requests`);
    if (interaction && !warmUp) problems.push('the provider asked to sign in again');
    if (!measured.click || !measured.leave) problems.push('click or beforeunload mark missing');
    return {
      app: id,
      clickToNavigation: measured.leave - measured.click?.at,
      clickToRequest: requestStart === undefined ? undefined : requestStart - (measured.click.origin + measured.click.at),
      callbackToToken: measured.token - measured.responseStart,
      responseStart: measured.responseStart,
      trace: measured.trace,
      leaveTrace: measured.leaveTrace,
      resources: measured.resources,
      valid: problems.length === 0 && !warmUp,
      note: problems.join('; ') || undefined,
    };
  } finally {
    await page.close().catch(() => undefined);
  }
}

/** Wall-clock start (epoch ms) of the authorization request, as Chromium's network stack saw it. */
async function authorizationStart(request) {
  // timing() is complete once the response (here: the provider's redirect) has arrived.
  for (let i = 0; i < 50; i++) {
    const { startTime } = request.timing();
    if (startTime > 0) return startTime;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return undefined;
}

function withTimeout(promise, ms, describe) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${describe()}`)), ms);
    }),
  ]);
}

/**
 * `rounds` rounds of one login per app; the order rotates every round so that no app always
 * follows the same one.
 *
 * @param {(id: string) => Promise<any>} login
 * @param {string[]} apps
 * @param {number} rounds
 * @param {(sample: any, round: number) => void} [onSample]
 */
export async function interleaved(login, apps, rounds, onSample) {
  const samples = [];
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < apps.length; k++) {
      const id = apps[(round + k) % apps.length];
      let sample;
      try {
        sample = await login(id);
      } catch (error) {
        sample = { app: id, valid: false, note: error.message.split('\n')[0] };
      }
      // A login the provider interrupted, that lost a mark or that failed is run again, once.
      if (!sample.valid) sample = { ...(await login(id)), retriedBecause: sample.note };
      samples.push(sample);
      onSample?.(sample, round);
    }
  }
  return samples;
}
