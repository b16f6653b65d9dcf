/**
 * The end-to-end tests' driver layer for the engines beside Chromium.
 *
 * The tests are written against playwright-core's API, which drives Chromium (scripts/chromium.mjs).
 * Firefox (puppeteer-core over WebDriver BiDi) and WebKit (webdriverio over WebKitWebDriver,
 * classic WebDriver) get here the part of that API the cross-engine tests use, so that one copy
 * of each test runs in all three: browser.newContext(); context.newPage / addInitScript / route /
 * on('request') / close; page.goto / reload / url / evaluate / click / fill / locator(…) /
 * waitForURL / waitForFunction / waitForEvent('popup' | 'close' | 'framenavigated') /
 * waitForLoadState / waitForTimeout / on('request' | 'framenavigated' | 'console' | 'pageerror') /
 * close / isClosed.
 *
 * What neither driver gives is taken from the servers and the page instead, the same way for both:
 * - network: the test servers report every request they receive on {@link traffic} (see
 *   {@link startSiteProxy}, {@link tapProvider}); `request` events come from there, so only
 *   requests to the app and the provider are seen, CORS preflights are left out, and a page's
 *   `request` listener hears the requests of every page (the tests sign in one page at a time).
 * - init scripts and routes: the app origin is served through a proxy that answers routed paths
 *   itself and puts `<script src="/__e2e__/init.js">` first in every HTML page.
 * - navigations: a page's document changed when `performance.timeOrigin` did (polled).
 * - errors (WebKit): the injected script records uncaught errors in the page, read from there.
 *   WebKit's driver gives no console messages at all: see {@link capabilities}.
 * - clicks are real pointer input at the element's centre (a popup needs user activation);
 *   CSS selectors pierce open shadow roots, as playwright's do (descendant combinators only).
 */
import diagnostics from 'node:diagnostics_channel';
import { EventEmitter } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { firefoxLaunchOptions, startWebKitDriver, startXvfb, webkitCapabilities } from '../../scripts/browsers.mjs';
import { listen } from '../../scripts/listen.mjs';

const DEFAULT_TIMEOUT = 15_000;
const POLL = 50;
export const INIT_PATH = '/__e2e__/init.js';

/**
 * What an engine's driver reports of the browser's own messages, for the few assertions that
 * depend on it: `cspConsole`, its Content-Security-Policy messages as `console` events
 * (Chromium); `cspMessages`, those messages at all, as `console` or `pageerror` events (Firefox
 * over BiDi reports the Trusted Types one as an error). WebKit's driver reports no console
 * message; its page errors are recorded in the page.
 */
export const capabilities = {
  chromium: { cspConsole: true, cspMessages: true },
  firefox: { cspConsole: false, cspMessages: true },
  webkit: { cspConsole: false, cspMessages: false },
};

// ---------------------------------------------------------------------------------------------
// Traffic seen by the servers

/**
 * Every request the test servers receive, as `request` events of
 * `{ method, url, grantType, navigation, at, status?, headers? }`; `response` events for the
 * app's navigations carry the status and headers sent.
 */
export const traffic = new EventEmitter();
traffic.setMaxListeners(0);

/** Registered init script sources and routes, shared by every page served through the proxy. */
const initScripts = new Set();
const routes = new Set();
/** The engine's own init script (errors recorded in the page), first. */
let builtinInit = '';

/** Requests to a tapped provider under way, by their IncomingMessage. */
const providerRequests = new WeakMap();
/** Tapped providers by port. */
const tappedPorts = new Map();

diagnostics.subscribe('http.server.request.start', ({ request }) => {
  const issuer = tappedPorts.get(request.socket?.localPort);
  if (!issuer || request.method === 'OPTIONS') return;
  providerRequests.set(request, {
    method: request.method,
    url: `${issuer}${request.url}`,
    grantType: null,
    navigation: request.headers['sec-fetch-mode'] === 'navigate',
    at: Date.now(),
  });
});
diagnostics.subscribe('http.server.response.finish', ({ request }) => {
  const entry = providerRequests.get(request);
  if (!entry) return;
  providerRequests.delete(request);
  traffic.emit('request', entry);
});

/**
 * Records the provider's requests on {@link traffic} (Node's HTTP server diagnostics channels,
 * for the provider's port), each once answered, with the token request's grant type (from the
 * provider's grant events).
 *
 * @param {import('oidc-provider').default} provider
 * @param {string} issuer
 * @returns {() => void} ends the recording
 */
export function tapProvider(provider, issuer) {
  tappedPorts.set(Number(new URL(issuer).port), issuer);
  const noteGrant = (ctx) => {
    const entry = providerRequests.get(ctx.req);
    if (entry) entry.grantType = ctx.oidc?.params?.grant_type ?? null;
  };
  provider.on('grant.success', noteGrant);
  provider.on('grant.error', noteGrant);
  return () => {
    tappedPorts.delete(Number(new URL(issuer).port));
  };
}

/**
 * Serves `origin`'s site (the static server, at `target`) through a proxy on the same host name:
 * records each request on {@link traffic}, answers routed paths, and puts the init scripts into
 * HTML pages. Listens on 127.0.0.1 and, when available, ::1 (`localhost` may be either).
 *
 * @param {string} target the static server's origin
 * @returns {Promise<{ origin: string, close: () => Promise<void> }>}
 */
export async function startSiteProxy(target) {
  const upstream = new URL(target);
  const handler = (req, res) => {
    proxy(req, res, upstream).catch((error) => {
      if (!res.headersSent) {
        res.statusCode = 502;
        res.end(String(error));
      } else res.destroy();
    });
  };
  const servers = [createServer(handler)];
  await listen(servers[0], 0, '127.0.0.1');
  const { port } = servers[0].address();
  try {
    const v6 = createServer(handler);
    await listen(v6, port, '::1');
    servers.push(v6);
  } catch {
    // no IPv6 loopback here
  }
  return {
    origin: `http://localhost:${port}`,
    close: () => Promise.all(servers.map((server) => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }))).then(() => undefined),
  };
}

async function proxy(req, res, upstream) {
  const url = new URL(req.url, `http://${req.headers.host}`);
  const entry = {
    method: req.method,
    url: url.href,
    grantType: null,
    navigation: req.headers['sec-fetch-mode'] === 'navigate',
    at: Date.now(),
  };
  if (req.method !== 'OPTIONS') traffic.emit('request', entry);

  if (url.pathname === INIT_PATH) {
    const body = [builtinInit, ...initScripts].join('\n;\n');
    res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(body);
    return;
  }
  for (const route of routes) {
    if (!route.matches(url)) continue;
    const fulfilled = await new Promise((resolve) => {
      route.handler({
        request: () => ({ url: () => url.href, method: () => req.method }),
        fulfill: ({ status = 200, contentType, headers = {}, body = '' }) => {
          res.writeHead(status, { ...headers, ...(contentType ? { 'Content-Type': contentType } : {}) });
          res.end(body);
          resolve(true);
        },
        continue: () => resolve(false),
        fallback: () => resolve(false),
      });
    });
    if (fulfilled) return;
  }

  const headers = { ...req.headers, host: upstream.host };
  delete headers['accept-encoding'];
  const upstreamResponse = await new Promise((resolve, reject) => {
    const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, resolve);
    out.once('error', reject);
    req.pipe(out);
  });
  const type = String(upstreamResponse.headers['content-type'] ?? '');
  const responseHeaders = { ...upstreamResponse.headers };
  if (entry.navigation) traffic.emit('response', { url: url.href, status: upstreamResponse.statusCode, headers: responseHeaders, at: Date.now() });
  if (!type.startsWith('text/html') || (!builtinInit && initScripts.size === 0)) {
    res.writeHead(upstreamResponse.statusCode, responseHeaders);
    upstreamResponse.pipe(res);
    return;
  }
  const chunks = [];
  for await (const chunk of upstreamResponse) chunks.push(chunk);
  let html = Buffer.concat(chunks).toString('utf8');
  const tag = `<script src="${INIT_PATH}"></script>`;
  const head = /<head[^>]*>/i.exec(html);
  html = head ? `${html.slice(0, head.index + head[0].length)}${tag}${html.slice(head.index + head[0].length)}` : `${tag}${html}`;
  delete responseHeaders['content-length'];
  res.writeHead(upstreamResponse.statusCode, { ...responseHeaders, 'content-length': Buffer.byteLength(html) });
  res.end(html);
}

/** A playwright-like request object for a {@link traffic} entry, heard by `page`. */
function requestFor(entry, page) {
  const { grantType } = entry;
  return {
    url: () => entry.url,
    method: () => entry.method,
    postData: () => (grantType ? `grant_type=${encodeURIComponent(grantType)}` : null),
    isNavigationRequest: () => entry.navigation,
    frame: () => page?.mainFrame(),
  };
}

// ---------------------------------------------------------------------------------------------
// In-page helpers (sent as source, run in the page)

/** Finds the elements matching `selector`, descendant combinators piercing open shadow roots. */
function deepQueryAll(selector) {
  const parts = selector.trim().split(/\s+(?![^[]*\])/);
  const all = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      all.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  const parentOf = (el) => el.parentElement ?? (el.parentNode instanceof ShadowRoot ? el.parentNode.host : null);
  const matchesFrom = (el, index) => {
    if (index < 0) return true;
    for (let up = parentOf(el); up; up = parentOf(up)) {
      if (up.matches(parts[index]) && matchesFrom(up, index - 1)) return true;
    }
    return false;
  };
  const last = parts.at(-1);
  return all.filter((el) => el.matches(last) && matchesFrom(el, parts.length - 2));
}

/** The source of a page function calling `fn(first element, arg)` (or `fn(list, arg)`). */
function withElements(selector, fn, { all = false } = {}) {
  return `(arg) => {
    const deepQueryAll = ${deepQueryAll.toString()};
    const found = deepQueryAll(${JSON.stringify(selector)});
    const fn = ${fn.toString()};
    return ${all ? 'fn(found, arg)' : 'found.length === 0 ? { __missing: true } : fn(found[0], arg)'};
  }`;
}

/** Records uncaught errors in the page (WebKit: its driver reports none). */
const ERROR_RECORDER = `(() => {
  if (window.__e2eErrors) return;
  window.__e2eErrors = [];
  addEventListener('error', (e) => window.__e2eErrors.push(String(e.error?.message ?? e.message)), true);
  addEventListener('unhandledrejection', (e) => window.__e2eErrors.push(String(e.reason?.message ?? e.reason)));
})();`;

function source(script) {
  if (typeof script === 'function') return `(${script.toString()})();`;
  if (typeof script === 'string') return script;
  if (script?.content) return script.content;
  throw new Error('addInitScript: a function, a string or { content }');
}

// ---------------------------------------------------------------------------------------------
// The playwright-like layer, over a backend per engine

class Locator {
  #page;
  #selector;

  constructor(page, selector) {
    this.#page = page;
    this.#selector = selector;
  }

  first() {
    return this;
  }

  /** Runs `fn(element, arg)` in the page once the element exists. */
  async #withElement(fn, arg, timeout = DEFAULT_TIMEOUT) {
    const script = withElements(this.#selector, fn);
    let last;
    const deadline = Date.now() + timeout;
    for (;;) {
      try {
        const value = await this.#page.evaluate(script, arg, { source: true });
        if (!(value && typeof value === 'object' && value.__missing)) return value;
        last = undefined;
      } catch (error) {
        last = error;
      }
      if (Date.now() > deadline) {
        throw new Error(`locator ${this.#selector}: no element after ${timeout} ms${last ? ` (${last.message})` : ''}`);
      }
      await sleep(POLL);
    }
  }

  count() {
    return this.#page.evaluate(withElements(this.#selector, (found) => found.length, { all: true }), undefined, { source: true });
  }

  async isVisible() {
    const value = await this.#page.evaluate(withElements(this.#selector, (el) => {
      const style = getComputedStyle(el);
      return el.getClientRects().length > 0 && style.visibility !== 'hidden';
    }), undefined, { source: true });
    return value === true;
  }

  isEnabled({ timeout } = {}) {
    return this.#withElement((el) => !el.disabled, undefined, timeout);
  }

  textContent({ timeout } = {}) {
    return this.#withElement((el) => el.textContent, undefined, timeout);
  }

  innerText({ timeout } = {}) {
    return this.#withElement((el) => el.innerText, undefined, timeout);
  }

  getAttribute(name, { timeout } = {}) {
    return this.#withElement((el, attribute) => el.getAttribute(attribute), name, timeout);
  }

  evaluate(fn, arg) {
    return this.#withElement(fn, arg);
  }

  /** Sets the value as typing would, with `input` and `change` events. */
  fill(value, { timeout } = {}) {
    return this.#withElement((el, text) => {
      el.focus();
      el.value = text;
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
      return true;
    }, value, timeout);
  }

  /** A real click (pointer input) at the centre of the element, once it is enabled. */
  async click({ timeout = DEFAULT_TIMEOUT } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const point = await this.#withElement((el) => {
        el.scrollIntoView({ block: 'center', inline: 'center' });
        const rect = el.getBoundingClientRect();
        if (el.disabled || rect.width === 0 || rect.height === 0) return null;
        return { x: Math.round(rect.left + rect.width / 2), y: Math.round(rect.top + rect.height / 2) };
      }, undefined, Math.max(deadline - Date.now(), 1));
      if (point) return this.#page.clickAt(point.x, point.y);
      if (Date.now() > deadline) throw new Error(`locator ${this.#selector}: not clickable after ${timeout} ms`);
      await sleep(POLL);
    }
  }
}

const FRAME = Symbol('main frame');

class Page extends EventEmitter {
  /** @type {any} the engine's handle */
  handle;
  context;
  #closed = false;
  #frame = { [FRAME]: true };
  #docId;
  #watching = false;
  #errorsSeen = 0;

  constructor(context, handle) {
    super();
    this.context = context;
    this.handle = handle;
    this.on('newListener', (event) => {
      if (event === 'framenavigated' || (event === 'pageerror' && !this.context.backend.nativeErrors)) this.#watch();
      if (event === 'request') this.#hear();
      if (event === 'console' || (event === 'pageerror' && this.context.backend.nativeErrors)) this.context.backend.listenConsole?.(this);
    });
  }

  mainFrame() {
    return this.#frame;
  }

  isClosed() {
    return this.#closed;
  }

  /** @internal the engine noticed the page is gone */
  markClosed() {
    if (this.#closed) return;
    this.#closed = true;
    this.emit('close', this);
  }

  #heard = false;
  #hear() {
    if (this.#heard) return;
    this.#heard = true;
    const onRequest = (entry) => this.emit('request', requestFor(entry, this));
    traffic.on('request', onRequest);
    this.once('close', () => traffic.off('request', onRequest));
  }

  /** Polls the page's document id (`performance.timeOrigin`) for navigations, and its errors. */
  #watch() {
    if (this.#watching) return;
    this.#watching = true;
    (async () => {
      while (!this.#closed && !this.context.closed) {
        try {
          const { id, errors } = await this.context.backend.evaluate(this.handle,
            '() => ({ id: performance.timeOrigin, errors: window.__e2eErrors ?? [] })', undefined);
          if (this.#docId !== undefined && id !== this.#docId) {
            this.#errorsSeen = 0;
            this.emit('framenavigated', this.#frame);
          }
          this.#docId = id;
          if (!this.context.backend.nativeErrors) {
            for (const message of errors.slice(this.#errorsSeen)) this.emit('pageerror', new Error(message));
            this.#errorsSeen = errors.length;
          }
        } catch {
          // navigating, or closed
        }
        await sleep(150);
      }
    })();
  }

  /** The page's address (as last seen: WebKit's driver answers asynchronously). */
  url() {
    return this.context.backend.url(this.handle);
  }

  /**
   * Runs `fn(arg)` in the page and returns its (JSON) result; `fn` may be a function or, with
   * `{ source: true }`, the source of one.
   */
  evaluate(fn, arg, { source: isSource = false } = {}) {
    return this.context.backend.evaluate(this.handle, isSource ? fn : fn.toString(), arg);
  }

  async goto(url, { timeout = DEFAULT_TIMEOUT } = {}) {
    let response;
    const onResponse = (entry) => {
      if (entry.url === new URL(url).href) response = entry;
    };
    traffic.on('response', onResponse);
    try {
      await this.context.backend.navigate(this.handle, url, timeout);
    } finally {
      traffic.off('response', onResponse);
    }
    return response && { status: () => response.status, headers: () => response.headers, url: () => response.url };
  }

  async reload({ timeout = DEFAULT_TIMEOUT } = {}) {
    await this.context.backend.reload(this.handle, timeout);
  }

  locator(selector) {
    return new Locator(this, selector);
  }

  click(selector, options) {
    return this.locator(selector).click(options);
  }

  fill(selector, value, options) {
    return this.locator(selector).fill(value, options);
  }

  clickAt(x, y) {
    return this.context.backend.clickAt(this.handle, x, y);
  }

  waitForTimeout(ms) {
    return sleep(ms);
  }

  async waitForLoadState(state = 'load', { timeout = DEFAULT_TIMEOUT } = {}) {
    const wanted = state === 'domcontentloaded' ? ['interactive', 'complete'] : ['complete'];
    await this.#until(async () => wanted.includes(await this.evaluate(() => document.readyState)), timeout, `load state ${state}`);
  }

  async waitForURL(match, { timeout = DEFAULT_TIMEOUT, waitUntil = 'load' } = {}) {
    const test = typeof match === 'function' ? match : (url) => url.href === String(match);
    await this.#until(async () => test(new URL(await this.context.backend.freshUrl(this.handle))), timeout, 'the URL');
    if (waitUntil !== 'commit') await this.waitForLoadState(waitUntil === 'domcontentloaded' ? 'domcontentloaded' : 'load', { timeout });
  }

  async waitForFunction(fn, arg, { timeout = DEFAULT_TIMEOUT } = {}) {
    let value;
    await this.#until(async () => (value = await this.evaluate(fn, arg)), timeout, 'the function');
    return { jsonValue: async () => value };
  }

  /** `popup`, `close` or `framenavigated` (with `predicate`). */
  async waitForEvent(event, { predicate = () => true, timeout = DEFAULT_TIMEOUT } = {}) {
    if (event === 'close' && this.#closed) return this;
    if (event === 'popup') return this.context.backend.waitForPopup(this, timeout);
    if (event === 'framenavigated') {
      const before = await this.evaluate(() => performance.timeOrigin).catch(() => undefined);
      await this.#until(async () => {
        if (this.#closed) throw new Error('the page closed');
        const now = await this.evaluate(() => performance.timeOrigin);
        return before !== undefined && now !== before && predicate(this.#frame);
      }, timeout, 'a navigation');
      return this.#frame;
    }
    if (event === 'close') {
      await this.#until(async () => this.#closed || !(await this.context.backend.isOpen(this.handle)), timeout, 'the page to close');
      this.markClosed();
      return this;
    }
    throw new Error(`waitForEvent(${event}) is not supported by this driver`);
  }

  async #until(probe, timeout, what) {
    const deadline = Date.now() + timeout;
    let last;
    for (;;) {
      try {
        if (await probe()) return;
      } catch (error) {
        if (!this.#closed && !(await this.context.backend.isOpen(this.handle).catch(() => true))) this.markClosed();
        if (this.#closed) throw error;
        last = error;
      }
      if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? ` (last error: ${last.message})` : ''}`);
      await sleep(POLL);
    }
  }

  async close() {
    if (this.#closed) return;
    await this.context.backend.closePage(this.handle).catch(() => {});
    this.markClosed();
  }
}

class Context extends EventEmitter {
  backend;
  pages = [];
  closed = false;
  #scripts = [];
  #routes = [];
  #heard = false;

  constructor(backend) {
    super();
    this.backend = backend;
    this.on('newListener', (event) => {
      if (event === 'request' && !this.#heard) {
        this.#heard = true;
        const onRequest = (entry) => this.emit('request', requestFor(entry, this.pages[0]));
        traffic.on('request', onRequest);
        this.once('closed', () => traffic.off('request', onRequest));
      }
    });
  }

  /** @internal wraps an engine page handle */
  adopt(handle) {
    const page = new Page(this, handle);
    this.pages.push(page);
    this.backend.watchClose?.(handle, () => page.markClosed());
    page.once('close', () => {
      this.pages = this.pages.filter((p) => p !== page);
    });
    return page;
  }

  async newPage() {
    return this.adopt(await this.backend.newPage());
  }

  /** Runs `script` first in every page of the app origin from its next load on. */
  async addInitScript(script) {
    const text = source(script);
    this.#scripts.push(text);
    initScripts.add(text);
  }

  /** Answers the app origin's requests matching `match` (a function of the URL) with `handler`. */
  async route(match, handler) {
    const route = { matches: typeof match === 'function' ? match : (url) => url.href === String(match), handler };
    this.#routes.push(route);
    routes.add(route);
  }

  async close() {
    if (this.closed) return;
    this.closed = true;
    for (const text of this.#scripts) initScripts.delete(text);
    for (const route of this.#routes) routes.delete(route);
    for (const page of this.pages) page.markClosed();
    this.emit('closed');
    await this.backend.close();
  }
}

class Browser {
  #engine;
  #contexts = new Set();

  constructor(engine) {
    this.#engine = engine;
  }

  async newContext() {
    const context = new Context(await this.#engine.newContext());
    this.#contexts.add(context);
    context.once('closed', () => this.#contexts.delete(context));
    return context;
  }

  async close() {
    await Promise.all([...this.#contexts].map((context) => context.close().catch(() => {})));
    await this.#engine.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Firefox: puppeteer-core over WebDriver BiDi

async function firefoxEngine() {
  const puppeteer = await import('puppeteer-core');
  const browser = await puppeteer.launch(firefoxLaunchOptions());
  builtinInit = '';
  return {
    async newContext() {
      const bidiContext = await browser.createBrowserContext();
      const urls = new WeakMap();
      const backend = {
        nativeErrors: true,
        async newPage() {
          return bidiContext.newPage();
        },
        // The address as the page last said (puppeteer's own can lag behind a navigation).
        url: (page) => urls.get(page) ?? page.url(),
        freshUrl: async (page) => {
          const url = await page.evaluate(() => location.href).catch(() => page.url());
          urls.set(page, url);
          return url;
        },
        async evaluate(page, fnSource, arg) {
          const { value, href } = await page.evaluate(`(async () => ({ value: await (${fnSource})(${JSON.stringify(arg) ?? 'undefined'}), href: location.href }))()`);
          urls.set(page, href);
          return value;
        },
        async navigate(page, url, timeout) {
          await page.goto(url, { timeout, waitUntil: 'load' });
          await backend.freshUrl(page);
        },
        async reload(page, timeout) {
          await page.reload({ timeout, waitUntil: 'load' });
          await backend.freshUrl(page);
        },
        clickAt: (page, x, y) => page.mouse.click(x, y),
        isOpen: async (page) => !page.isClosed(),
        closePage: (page) => page.close(),
        listenConsole(wrapper) {
          if (wrapper.handle.__consoleWired) return;
          wrapper.handle.__consoleWired = true;
          wrapper.handle.on('console', (message) => wrapper.emit('console', { text: () => message.text(), type: () => message.type() }));
          wrapper.handle.on('pageerror', (error) => wrapper.emit('pageerror', error));
        },
        waitForPopup(opener, timeout) {
          return new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`no popup after ${timeout} ms`)), timeout);
            opener.handle.once('popup', (page) => {
              clearTimeout(timer);
              resolve(opener.context.adopt(page));
            });
          });
        },
        watchClose: (page, onClose) => page.once('close', onClose),
        close: () => bidiContext.close(),
      };
      return backend;
    },
    close: () => browser.close(),
  };
}

// ---------------------------------------------------------------------------------------------
// WebKit: webdriverio over WebKitWebDriver (classic WebDriver), MiniBrowser on Xvfb

async function webkitEngine() {
  const { remote } = await import('webdriverio');
  const xvfb = await startXvfb();
  builtinInit = ERROR_RECORDER;
  return {
    /** A context is a browser session of its own (a driver each: one session per driver). */
    async newContext() {
      const driver = await startWebKitDriver({ display: xvfb.display });
      let session;
      try {
        session = await remote({
          hostname: '127.0.0.1',
          port: driver.port,
          path: '/',
          logLevel: 'error',
          connectionRetryCount: 0,
          capabilities: webkitCapabilities(),
        });
      } catch (error) {
        await driver.close();
        throw error;
      }
      const first = await session.getWindowHandle();
      const known = new Set([first]);
      const urls = new Map();
      let firstUsed = false;
      // One command at a time, each in its window: classic WebDriver has one current window.
      let queue = Promise.resolve();
      let current = first;
      const debug = process.env.E2E_DEBUG ? (...args) => console.error('[webkit]', ...args) : () => {};
      const inWindow = (handle, command) => {
        const run = queue.then(async () => {
          if (current !== handle) {
            debug('switch to', handle);
            await session.switchToWindow(handle);
            current = handle;
          }
          debug('command', handle, String(command).slice(0, 80).replace(/\s+/g, ' '));
          return command();
        });
        queue = run.catch(() => {});
        return run;
      };
      const backend = {
        nativeErrors: false,
        async newPage() {
          if (!firstUsed) {
            firstUsed = true;
            return first;
          }
          // A window made with "new window" gets null from window.open: popup tests use the first.
          const { handle } = await inWindow(current, () => session.createWindow('window'));
          known.add(handle);
          return handle;
        },
        // The address as last seen: each command below also reads it.
        url: (handle) => urls.get(handle) ?? 'about:blank',
        freshUrl: (handle) => inWindow(handle, async () => {
          const url = await session.getUrl();
          urls.set(handle, url);
          return url;
        }),
        evaluate: async (handle, fnSource, arg) => {
          // As JSON, so that an undefined property stays undefined (WebDriver makes it null).
          const { json, href } = await inWindow(handle, () => session.executeScript(
            `return Promise.resolve((${fnSource})(arguments[0])).then((value) => ({ json: value === undefined ? undefined : JSON.stringify(value), href: location.href }));`,
            [arg ?? null],
          ));
          urls.set(handle, href);
          return json === undefined || json === null ? undefined : JSON.parse(json);
        },
        navigate: async (handle, url) => {
          await inWindow(handle, () => session.navigateTo(url));
          await backend.freshUrl(handle);
        },
        reload: async (handle) => {
          await inWindow(handle, () => session.refresh());
          await backend.freshUrl(handle);
        },
        clickAt: (handle, x, y) => inWindow(handle, async () => {
          await session.performActions([{
            type: 'pointer',
            id: 'mouse',
            parameters: { pointerType: 'mouse' },
            actions: [
              { type: 'pointerMove', duration: 0, origin: 'viewport', x, y },
              { type: 'pointerDown', button: 0 },
              { type: 'pointerUp', button: 0 },
            ],
          }]);
          await session.releaseActions();
        }),
        isOpen: async (handle) => (await inWindow(current, () => session.getWindowHandles())).includes(handle),
        closePage: (handle) => inWindow(handle, async () => {
          await session.closeWindow();
          const rest = await session.getWindowHandles();
          known.delete(handle);
          if (rest.length > 0) {
            current = rest[0];
            await session.switchToWindow(current);
          }
        }),
        async waitForPopup(opener, timeout) {
          const deadline = Date.now() + timeout;
          for (;;) {
            const handles = await inWindow(current, () => session.getWindowHandles());
            const fresh = handles.find((h) => !known.has(h));
            if (fresh) {
              known.add(fresh);
              const popup = opener.context.adopt(fresh);
              (async () => {
                while (!popup.isClosed() && !opener.context.closed) {
                  await sleep(200);
                  if (!(await backend.isOpen(fresh).catch(() => false))) popup.markClosed();
                }
              })();
              return popup;
            }
            if (Date.now() > deadline) throw new Error(`no popup after ${timeout} ms`);
            await sleep(POLL);
          }
        },
        async close() {
          await queue;
          await session.deleteSession().catch(() => {});
          await driver.close();
        },
      };
      return backend;
    },
    close: () => xvfb.close(),
  };
}

/**
 * Launches `engine` (`firefox` or `webkit`) behind the playwright-like API above.
 *
 * @param {'firefox' | 'webkit'} engine
 */
export async function launchEngine(engine) {
  if (engine === 'firefox') return new Browser(await firefoxEngine());
  if (engine === 'webkit') return new Browser(await webkitEngine());
  throw new Error(`unknown engine ${engine}`);
}
