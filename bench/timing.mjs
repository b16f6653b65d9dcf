/**
 * Time: full logins and reloads in Chromium (playwright-core) against the local oidc-provider,
 * for each timed app, each with a warm and a cold HTTP cache, interleaved round by round.
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
 *     a little earlier), not by Playwright's `page.click()`: during a `page.click()` the browser
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
 *     (oidc-client-ts, with or without the lit button) or the token response's JSON is parsed
 *     (floors). A capture listener on `document` records it, and tells the driver with a console
 *     message (no command is sent to the page while it works).
 * (c) page load → signed in: the signed-in callback page is reloaded (`page.reload()`, the same
 *     tab, the session stored by the login); from the reloaded document's `responseStart` to the
 *     `login` event with `restored: true` (ours; the others fire one when they show the user from
 *     their store), and to the first frame showing the user's name: a MutationObserver on the
 *     document and on every shadow root sees the name's text arrive in the DOM, and a
 *     requestAnimationFrame callback then marks the start of the next frame, the one that paints
 *     it. Each reload is checked to be a restore: `restored: true`, no token request.
 *
 * Cache: each app has two pages, `/warm/<app>.html` and `/cold/<app>.html`. The pages are served
 * `no-store`; the scripts of `/warm/` as a CDN serves a versioned file (max-age a year,
 * immutable), so the callback page and a reload find the script in the HTTP cache (and V8's code
 * cache), as they would in production; those of `/cold/` `no-store`: every page fetches and
 * compiles every script anew, as a first visit does. Each timed sample is checked: a warm page's
 * scripts came from the cache (resource timing `transferSize` 0), a cold page's from the network.
 *
 * The provider's login form is kept out of the timed logins: one untimed login per app signs in
 * and consents first; after that the provider answers each authorization request with a redirect
 * straight back (a full round trip: one authorization request and one token request, checked for
 * every login). Each login runs in a new tab; the stored sessions kept in IndexedDB (ours, the
 * IndexedDB floor's) are deleted after each login and its reloads, so that the next one starts
 * signed out (the others keep theirs in the tab's sessionStorage, gone with the tab).
 */
import { fork } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, signInAtProvider } from '../test/e2e/harness.mjs';
import { bundleApp, root } from './bytes.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const TIMEOUT = 20_000;

/** The login every app signs in with; the provider makes it the user's `sub` and `name`. */
export const USER_NAME = 'bench-user';

/** Access token lifetime of the providers of the many-tabs runs, seconds. */
export const SHORT_TOKEN_TTL = 8;

/**
 * How the Log in button is pressed: `self` (default), by the page itself from a timer; or
 * `playwright`, with Playwright's `page.click()` (BENCH_CLICK=playwright).
 */
export const CLICK = process.env.BENCH_CLICK === 'playwright' ? 'playwright' : 'self';
const SELF_CLICK_DELAY_MS = 50;

/** The two ways the apps' scripts are served (see the file's comment). */
export const CACHES = ['warm', 'cold'];

/**
 * Deletes every record of an IndexedDB object store, in the page (after a login and its
 * reloads: the next page starts signed out).
 */
function clearStore(page, db, store) {
  return page.evaluate(([dbName, storeName]) => new Promise((resolve, reject) => {
    const open = indexedDB.open(dbName);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const tx = open.result.transaction(storeName, 'readwrite');
      tx.objectStore(storeName).clear();
      tx.oncomplete = () => { open.result.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  }), [db, store]);
}

/**
 * The apps with a page: file, how to find the login button, how to sign out after a login.
 * `provider`: which of the bench's providers (servers.mjs) the app is built for (default `main`).
 * `prefetch`: the app fetches discovery as the page loads; the button is pressed once it has.
 */
export const TIMED_APPS = {
  'pkce-login': {
    name: '<pkce-login> (dist/pkce-login.js)',
    ours: true,
    script: 'pkce-login.cdn.js',
    body: (config) => `<pkce-login issuer="${config.issuer}" client-id="${config.clientId}"></pkce-login>`,
    button: 'pkce-login button[part~="login"]:not([disabled])',
    target: ['pkce-login', 'button[part~="login"]'],
    prefetch: true,
    // The stored session is deleted so that the next page starts signed out, at the Log in button.
    // (Not logout(): it revokes the refresh token, and oidc-provider then drops the whole grant, so
    // the next login of every app would stop at the consent page.)
    async reset(page) {
      // Once stored (a login stores the session before it shows it); a failed login: cleared anyway.
      await page.waitForFunction(() => document.querySelector('pkce-login')?.status === 'signed-in', null, { timeout: 5000 })
        .catch(() => undefined);
      await clearStore(page, 'pkce-login', 'sessions');
    },
  },
  floor: { name: 'hand-written PKCE page (floor, sessionStorage)', entry: 'floor.js', button: 'button' },
  'floor-idb': {
    name: 'the floor, transaction and session in IndexedDB',
    entry: 'floor-idb.js',
    button: 'button',
    reset: (page) => clearStore(page, 'floor-idb', 'sessions'),
  },
  'oidc-client-ts': { name: 'oidc-client-ts', entry: 'oidc-client-ts.js', button: 'button' },
  // The same UserManager behind a LitElement button (in its shadow root).
  'oidc-client-ts-lit': {
    name: 'oidc-client-ts + lit (LitElement button)',
    entry: 'oidc-client-ts-lit.js',
    body: () => '<oidc-login></oidc-login>',
    button: 'oidc-login button[part~="login"]',
    target: ['oidc-login', 'button[part~="login"]'],
  },
  // The many-tabs runs (tabs.mjs): 8-second access tokens, one provider each (ours: below).
  'oidc-client-ts-tabs': { name: 'oidc-client-ts (user in localStorage)', entry: 'oidc-client-ts-tabs.js', button: 'button', provider: 'shortPeer' },
  // The idle tabs (tabs.mjs): the same with the main provider's hour-long access tokens.
  'oidc-client-ts-idle': { name: 'oidc-client-ts (user in localStorage)', entry: 'oidc-client-ts-tabs.js', button: 'button' },
};
// The same element and bundle against the provider without DPoP: no key pair at the click, no
// proofs on the token and userinfo requests (like for like with the others, which do no DPoP).
TIMED_APPS['pkce-login-no-dpop'] = { ...TIMED_APPS['pkce-login'], name: '<pkce-login>, provider without DPoP', provider: 'plain' };
TIMED_APPS['pkce-login-tabs'] = { ...TIMED_APPS['pkce-login'], name: '<pkce-login>', provider: 'short' };

/** The measuring marks, in every page of the context before any page script. */
export function measureScript(userName) {
  const bench = (window.__bench = {
    token: undefined,
    login: undefined,
    restored: undefined,
    nameInDom: undefined,
    frame: undefined,
    /** Every token event: [epoch ms, the access token's last 16 characters, expiresAt]. */
    tokens: [],
    logouts: 0,
    renewErrors: [],
  });
  const epoch = () => performance.timeOrigin + performance.now();
  document.addEventListener('click', () => {
    sessionStorage.setItem('bench:click', JSON.stringify({ at: performance.now(), origin: performance.timeOrigin }));
  }, true);
  addEventListener('beforeunload', () => {
    sessionStorage.setItem('bench:leave', String(performance.now()));
  });
  document.addEventListener('token', (event) => {
    const at = performance.now();
    const access = event.detail?.accessToken ?? event.detail?.access_token;
    bench.tokens.push([performance.timeOrigin + at, typeof access === 'string' ? access.slice(-16) : '', event.detail?.expiresAt]);
    if (bench.token !== undefined) return;
    bench.token = at;
    // A console message: Playwright hears it without sending the page any command.
    console.debug('bench:token');
  }, true);
  document.addEventListener('login', (event) => {
    if (bench.login !== undefined) return;
    bench.login = performance.now();
    bench.restored = event.detail?.restored === true;
    console.debug('bench:login');
  }, true);
  document.addEventListener('logout', () => { bench.logouts++; }, true);
  document.addEventListener('renew-error', (event) => { bench.renewErrors.push([epoch(), String(event.detail)]); }, true);

  // The user's name arriving in the DOM, in the document or a shadow root; then the next frame.
  // Not on a callback page (its own work is timed by (b)); stopped at a click (a).
  if (/[?&](code|error)=/.test(location.search)) return;
  const roots = [];
  const check = () => {
    if (bench.nameInDom !== undefined) return;
    if (!roots.some((r) => (r === document ? document.documentElement?.textContent : r.textContent)?.includes(userName))) return;
    bench.nameInDom = performance.now();
    observer.disconnect();
    requestAnimationFrame(() => {
      bench.frame = performance.now();
      console.debug('bench:frame');
    });
  };
  const observer = new MutationObserver(check);
  const observe = (root) => {
    roots.push(root);
    observer.observe(root, { childList: true, subtree: true, characterData: true });
  };
  observe(document);
  const attachShadow = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (...args) {
    const shadow = attachShadow.apply(this, args);
    if (bench.nameInDom === undefined) observe(shadow);
    return shadow;
  };
  document.addEventListener('click', () => observer.disconnect(), true);
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

/** The page path of app `id` with its scripts served `cache` (`warm` or `cold`). */
export const pagePath = (id, cache = 'warm') => `${cache}/${id}.html`;

/**
 * Starts the servers (child process), writes the pages and bundles, launches Chromium.
 *
 * @param {{ id: string, cache: string }[]} pages the apps' pages (ids of {@link TIMED_APPS})
 * @param {{ oursBundle?: string }} [options] the bundle timed as ours (default dist/pkce-login.js)
 */
export async function startBench(pages, { oursBundle = path.join(root, 'dist/pkce-login.js') } = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'pkce-login-bench-'));
  const child = fork(path.join(here, 'servers.mjs'), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`bench servers exited (${code})`)));
  });
  child.send({ root: dir, pages: pages.map(({ id, cache }) => pagePath(id, cache)), shortTokenTtl: SHORT_TOKEN_TTL });
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
    await writePages(dir, pages, providers, oursBundle);
    const browser = await launchBrowser();
    return {
      origin,
      providers,
      browser,
      version: browser.version(),
      /** The token grants each provider has answered: `{ [provider]: [{ at, type, ok }] }`. */
      async grants() {
        return (await fetch(`${origin}/__bench/grants`)).json();
      },
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

/** Each app's page and script, in the served folder (`warm/` and `cold/`). */
async function writePages(dir, pages, providers, oursBundle) {
  const bundles = new Map();
  for (const { id, cache } of pages) {
    const app = TIMED_APPS[id];
    const script = app.script ?? `${id}.js`;
    const config = providers[app.provider ?? 'main'];
    await mkdir(path.join(dir, cache), { recursive: true });
    const file = path.join(dir, cache, script);
    if (app.ours) await copyFile(oursBundle, file);
    else {
      if (!bundles.has(id)) bundles.set(id, await bundleApp(app.entry, config, true));
      await writeFile(file, bundles.get(id));
    }
    await writeFile(path.join(dir, pagePath(id, cache)), `<!doctype html>
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
 * warm page has logged in once (untimed: the provider's login and consent pages happen there, and
 * the page's script gets into the HTTP and code caches). A cold page has nothing to warm: only
 * the first page logs in when every page is cold.
 *
 * @param {{ id: string, cache: string }[]} pages
 */
export async function newContext(bench, pages, { trace = false, reloads = 0 } = {}) {
  const context = await bench.browser.newContext();
  await context.addInitScript(measureScript, USER_NAME);
  if (trace) await context.addInitScript(traceScript);
  const login = (page, options) => loginOnce(bench, context, page, { reloads, ...options });
  const warm = pages.filter((page) => page.cache === 'warm');
  for (const page of warm.length ? warm : pages.slice(0, 1)) await login(page, { warmUp: true, reloads: 0 });
  return { context, login };
}

/**
 * Console messages `bench:…` of a page, and a promise for the next one of a kind.
 *
 * @param {import('playwright-core').Page} page
 */
export function benchMessages(page) {
  const seen = [];
  const waiting = [];
  page.on('console', (message) => {
    const text = message.text();
    if (!text.startsWith('bench:')) return;
    seen.push(text);
    for (const waiter of [...waiting]) {
      if (waiter.text === text) {
        waiting.splice(waiting.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  return {
    /** How many messages so far: the `from` of {@link next}. */
    get count() {
      return seen.length;
    },
    /** Resolves once message `text` has come, counting from message number `from`. */
    next(text, from = 0) {
      if (seen.slice(from).includes(text)) return Promise.resolve();
      return new Promise((resolve) => waiting.push({ text, resolve }));
    },
  };
}

/** The resource timing entries of the page's scripts and fetches. */
function resourcesOf() {
  return performance.getEntriesByType('resource').map((entry) => ({
    name: entry.name,
    initiatorType: entry.initiatorType,
    startTime: entry.startTime,
    responseEnd: entry.responseEnd,
    transferSize: entry.transferSize,
  }));
}

/** What a page says whether its scripts came from the HTTP cache: `undefined` when it had none. */
function scriptsFrom(resources) {
  const scripts = resources.filter((entry) => entry.initiatorType === 'script');
  if (!scripts.length) return undefined;
  return scripts.every((entry) => entry.transferSize === 0) ? 'warm' : scripts.every((entry) => entry.transferSize > 0) ? 'cold' : 'mixed';
}

/**
 * One full login of an app's page in a new tab, then `reloads` reloads of the signed-in page.
 *
 * @param {{ id: string, cache: string }} target
 * @returns {Promise<{ app: string, cache: string, clickToNavigation: number, clickToRequest: number | undefined,
 *   callbackToToken: number, trace?: [string, number][], responseStart: number, resources: object[],
 *   restores: object[], valid: boolean, note?: string }>}
 */
async function loginOnce(bench, context, { id, cache }, { warmUp = false, reloads = 0 } = {}) {
  const app = TIMED_APPS[id];
  const config = bench.providers[app.provider ?? 'main'];
  const page = await context.newPage();
  let reset = false;
  try {
    const messages = benchMessages(page);
    const authorizationRequests = [];
    const tokenRequests = [];
    let interaction = false;
    page.on('request', (request) => {
      const url = request.url();
      if (url.startsWith(`${config.authorizationEndpoint}?`) && request.isNavigationRequest()) authorizationRequests.push(request);
      if (url === config.tokenEndpoint && request.method() === 'POST') tokenRequests.push(request);
      if (new URL(url).pathname.startsWith('/interaction/') && request.isNavigationRequest()) interaction = true;
    });

    await page.goto(`${bench.origin}/${pagePath(id, cache)}`, { waitUntil: 'load', timeout: TIMEOUT });
    await page.waitForSelector(app.button, { timeout: TIMEOUT });
    if (app.prefetch) {
      // The discovery document the page fetches as it loads: the click does not wait for it.
      await page.waitForFunction(
        () => performance.getEntriesByType('resource').some((entry) => entry.name.includes('/.well-known/') && entry.responseEnd > 0),
        null,
        { timeout: TIMEOUT },
      );
    }
    if (CLICK === 'playwright') {
      await page.click(app.button, { timeout: TIMEOUT });
    } else {
      // The page presses its own button a little later, from a timer: no command of the driver is
      // in flight during the timed span (see the file's comment).
      await page.evaluate(([selectors, delay]) => {
        setTimeout(() => {
          let target = document.querySelector(selectors[0]);
          for (const selector of selectors.slice(1)) target = target.shadowRoot.querySelector(selector);
          target.click();
        }, delay);
      }, [app.target ?? [app.button], SELF_CLICK_DELAY_MS]);
    }
    const tokenSeen = messages.next('bench:token');
    const atProvider = page
      .waitForURL((url) => url.pathname.startsWith('/interaction/'), { timeout: TIMEOUT, waitUntil: 'commit' })
      .then(() => true, () => false);
    const first = await withTimeout(Promise.race([tokenSeen.then(() => false), atProvider]), TIMEOUT,
      () => `${id}: neither a token event nor the provider's sign-in page (at ${page.url()})`);
    if (first) {
      // The provider's login or consent page: untimed logins only (a timed one is run again).
      await signInAtProvider(page, USER_NAME, { timeout: TIMEOUT });
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
      };
    });
    const authorization = authorizationRequests[0];
    const requestStart = authorization ? await authorizationStart(authorization) : undefined;
    // The login completes (its session is stored) before the page is reloaded.
    await withTimeout(messages.next('bench:login'), TIMEOUT, () => `${id}: no login event after the callback`);
    measured.resources = await page.evaluate(resourcesOf);

    const problems = [];
    const restores = [];
    const tokensBefore = tokenRequests.length;
    for (let i = 0; i < reloads; i++) {
      const from = messages.count;
      await page.reload({ waitUntil: 'commit', timeout: TIMEOUT });
      await withTimeout(Promise.all([messages.next('bench:login', from), messages.next('bench:frame', from)]), TIMEOUT,
        () => `${id}: reload ${i + 1}: no login event or no frame with the user's name`);
      const restore = await page.evaluate(() => ({
        responseStart: performance.getEntriesByType('navigation')[0].responseStart,
        login: window.__bench.login,
        restored: window.__bench.restored,
        nameInDom: window.__bench.nameInDom,
        frame: window.__bench.frame,
        trace: window.__benchTrace,
      }));
      restore.resources = await page.evaluate(resourcesOf);
      if (!restore.restored) problems.push(`reload ${i + 1}: login event without restored: true`);
      const from2 = scriptsFrom(restore.resources);
      if (from2 !== cache) problems.push(`reload ${i + 1}: scripts ${from2 ?? 'missing'} in the ${cache} run`);
      restores.push({
        loadToLogin: restore.login - restore.responseStart,
        loadToFrame: restore.frame - restore.responseStart,
        responseStart: restore.responseStart,
        nameInDom: restore.nameInDom,
        trace: restore.trace,
        resources: restore.resources,
      });
    }
    if (tokenRequests.length !== tokensBefore) problems.push(`${tokenRequests.length - tokensBefore} token requests during the reloads`);
    if (app.reset) {
      await app.reset(page);
      reset = true;
    }

    if (authorizationRequests.length !== 1) problems.push(`${authorizationRequests.length} authorization requests`);
    if (tokensBefore !== 1) problems.push(`${tokensBefore} token requests`);
    if (interaction && !warmUp) problems.push('the provider asked to sign in again');
    if (!measured.click || !measured.leave) problems.push('click or beforeunload mark missing');
    const callbackScripts = scriptsFrom(measured.resources);
    if (!warmUp && callbackScripts !== cache) problems.push(`callback page: scripts ${callbackScripts ?? 'missing'} in the ${cache} run`);
    // DPoP on exactly where the provider offers it: ours against `main`, never the others.
    const dpop = tokenRequests[0] ? (await tokenRequests[0].allHeaders())['dpop'] !== undefined : undefined;
    if (dpop !== undefined && dpop !== (app.ours === true && (app.provider ?? 'main') === 'main')) {
      problems.push(`token request ${dpop ? 'with' : 'without'} a DPoP proof`);
    }
    return {
      app: id,
      cache,
      clickToNavigation: measured.leave - measured.click?.at,
      clickToRequest: requestStart === undefined ? undefined : requestStart - (measured.click.origin + measured.click.at),
      callbackToToken: measured.token - measured.responseStart,
      responseStart: measured.responseStart,
      trace: measured.trace,
      leaveTrace: measured.leaveTrace,
      resources: measured.resources,
      restores,
      dpop,
      valid: problems.length === 0 && !warmUp,
      note: problems.join('; ') || undefined,
    };
  } finally {
    // A login that failed half-way still leaves the next page signed out.
    if (app.reset && !reset) await app.reset(page).catch(() => undefined);
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

export function withTimeout(promise, ms, describe) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${describe()}`)), ms);
    }),
  ]);
}

/**
 * `rounds` rounds of one login per page; the order rotates every round so that no page always
 * follows the same one.
 *
 * @param {(page: { id: string, cache: string }) => Promise<any>} login
 * @param {{ id: string, cache: string }[]} pages
 * @param {number} rounds
 * @param {(sample: any, round: number) => void} [onSample]
 */
export async function interleaved(login, pages, rounds, onSample) {
  const samples = [];
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < pages.length; k++) {
      const page = pages[(round + k) % pages.length];
      let sample;
      try {
        sample = await login(page);
      } catch (error) {
        sample = { ...page, app: page.id, valid: false, note: error.message.split('\n')[0] };
      }
      // A login the provider interrupted, that lost a mark or that failed is run again, once.
      if (!sample.valid) {
        const note = sample.note;
        try {
          sample = { ...(await login(page)), retriedBecause: note };
        } catch (error) {
          sample = { ...page, app: page.id, valid: false, note: `${note}; again: ${error.message.split('\n')[0]}` };
        }
      }
      samples.push(sample);
      onSample?.(sample, round);
    }
  }
  return samples;
}
