/// <reference types="mocha" />
/**
 * The test page's address: remember it, put an authorization response into it (as the provider's
 * redirect would), and put it back afterwards.
 *
 * WebKit lets a page call `history.replaceState` / `pushState` at most 100 times in 10 seconds
 * and throws a SecurityError past that; the tests (each setting and restoring the address, the
 * element taking the response out of it) go faster than that. In WebKit, every such call of the
 * page is counted here, and before each test (a root `beforeEach` hook, registered by any test
 * file that imports this module) or each step that asks ({@link paceAddressChanges}) the page
 * waits until the last 10 seconds leave room for the calls to come. Other engines: no wait.
 */

/** The cap of the engine running the tests, if it has one that throws. */
function engineCap(): { calls: number; span: number } | undefined {
  const ua = navigator.userAgent;
  const webkit = /AppleWebKit/.test(ua) && !/Chrome|Chromium|Edg\//.test(ua);
  return webkit ? { calls: 100, span: 10_000 } : undefined;
}

const CAP = engineCap();
/** When (performance.now()) the page's recent replaceState / pushState calls were made. */
const changes: number[] = [];

if (CAP) {
  for (const name of ['replaceState', 'pushState'] as const) {
    const original = History.prototype[name];
    History.prototype[name] = function (this: History, ...args: Parameters<History['replaceState']>) {
      changes.push(performance.now());
      return original.apply(this, args);
    };
  }
}

/**
 * Waits, in an engine that caps history changes, until `reserve` more of them fit in its window
 * (with a margin); at once elsewhere.
 */
export async function paceAddressChanges(reserve = 12): Promise<void> {
  if (!CAP) return;
  const budget = CAP.calls - 5;
  const span = CAP.span + 250;
  for (;;) {
    const now = performance.now();
    while (changes.length > 0 && changes[0]! <= now - span) changes.shift();
    if (changes.length + reserve <= budget) return;
    const wait = changes[Math.max(0, changes.length + reserve - budget - 1)]! + span - now;
    await new Promise((resolve) => setTimeout(resolve, Math.max(wait, 1) + 5));
  }
}

if (CAP && typeof beforeEach === 'function') {
  beforeEach(function () {
    this.timeout(CAP.span + 5_000);
    return paceAddressChanges();
  });
}

let original: string | undefined;

/** Remembers the current address; call in `beforeEach`. */
export function rememberAddress(): void {
  original = location.href;
}

/** Puts back the address {@link rememberAddress} saw; call in `afterEach`. */
export function restoreAddress(): void {
  if (original !== undefined) history.replaceState(history.state, '', original);
}

/** Replaces the address bar's URL without navigating. */
export function setAddress(url: string | URL): void {
  history.replaceState(history.state, '', String(url));
}

/**
 * The current page with `extra` query parameters and `hash`: what the page looks like without
 * an authorization response.
 */
export function pageWith(extra: Record<string, string> = {}, hash = ''): URL {
  const url = new URL(location.href);
  for (const [name, value] of Object.entries(extra)) url.searchParams.set(name, value);
  url.hash = hash;
  return url;
}

/** `page` with an authorization response appended to its query. */
export function withResponse(page: URL, response: Record<string, string>): URL {
  const url = new URL(page);
  for (const [name, value] of Object.entries(response)) url.searchParams.append(name, value);
  return url;
}
