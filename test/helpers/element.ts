/**
 * A shared harness for the hardening component tests (test/component/*-faults, clock-skew,
 * callback-fuzz): a `<pkce-login>` subclass that records where it would have navigated, a
 * mount() that records events from before the element connects, the per-test set-up and clean-up
 * (address, fake provider, stores, unhandled rejections), and the assertions every fault test
 * makes: one coded `error`, signed out with a usable Log in button.
 */

/// <reference types="mocha" />
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { clear } from 'idb-keyval';
import { objectStore } from '../../src/storage/database.js';
import sinon from 'sinon';
import { PkceLogin } from '../../src/pkce-login.component.js';
import { rememberAddress, restoreAddress } from './address.js';
import { describeLog, ofType, recordEvents, watchUnhandledRejections, type RecordedEvent } from './events.js';
import { CLIENT_ID, ISSUER } from './provider.js';
import { clearTransactions } from './transactions.js';

/** `<pkce-login>` that records where it would have navigated instead of leaving the test page. */
export class TestPkceLogin extends PkceLogin {
  navigated: URL[] = [];
  /** Called from `navigate`, synchronously. */
  onNavigate: ((url: URL) => void) | undefined;

  protected override navigate(url: URL): void {
    this.navigated.push(url);
    this.onNavigate?.(url);
  }
}

export const TAG = 'pkce-login-under-test';
if (!customElements.get(TAG)) customElements.define(TAG, TestPkceLogin);

export const DEFAULT_ATTRIBUTES: Readonly<Record<string, string>> = { issuer: ISSUER, 'client-id': CLIENT_ID };

export interface Mounted {
  el: TestPkceLogin;
  events: RecordedEvent[];
}

/** Elements created by the current test: signed out locally afterwards. */
const created: TestPkceLogin[] = [];

/** Creates the element with `attributes` and starts recording its events, without connecting it. */
export function create(attributes: Record<string, string> = DEFAULT_ATTRIBUTES): Mounted {
  const el = document.createElement(TAG) as TestPkceLogin;
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
  created.push(el);
  return { el, events: recordEvents(el) };
}

/** Creates the element, records its events from before it connects, and attaches it with `fixture`. */
export async function mount(attributes: Record<string, string> = DEFAULT_ATTRIBUTES): Promise<Mounted> {
  const mounted = create(attributes);
  await fixture(html`${mounted.el}`);
  return mounted;
}

export function button(el: PkceLogin): HTMLButtonElement {
  return el.shadowRoot!.querySelector('button')!;
}

export function part(el: PkceLogin, name: string): HTMLElement | null {
  return el.shadowRoot!.querySelector(`[part~="${name}"]`);
}

/**
 * Waits until the element has navigated `count` times in all. A click's navigation follows two
 * IndexedDB commits (the transaction and the redirect registry), which a loaded machine can
 * stretch well past a second: the same budget as {@link untilStatus}. How fast it is, is the
 * bench's subject (`npm run bench`), not these tests'.
 */
export async function untilNavigated(el: TestPkceLogin, count = 1, message = 'no navigation to the provider'): Promise<void> {
  const start = performance.now();
  try {
    await waitUntil(() => el.navigated.length >= count, message, { timeout: 3000, interval: 5 });
  } catch (error) {
    // Where the login stopped, for a failure seen only on a loaded machine.
    const waited = Math.round(performance.now() - start);
    throw new Error(`${(error as Error).message} (status "${el.status}" after ${waited} ms)`, { cause: error });
  }
}

export async function untilStatus(el: PkceLogin, status: string, timeout = 3000): Promise<void> {
  await waitUntil(() => el.status === status, `status stayed "${el.status}", expected "${status}"`, { timeout, interval: 5 });
  await el.updateComplete;
}

/** Waits for the first `login` or `error` event. */
export async function untilLoginOrError(events: RecordedEvent[], timeout = 3000): Promise<RecordedEvent> {
  await waitUntil(() => events.some((e) => e.type === 'login' || e.type === 'error'), `neither login nor error: ${describeLog(events)}`, {
    timeout,
    interval: 5,
  });
  return events.find((e) => e.type === 'login' || e.type === 'error')!;
}

/** Waits for background work after an event (a post-failure discovery prefetch …) to finish. */
export function settle(ms = 50): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Asserts the signed-out view with a usable Log in button. */
export function expectUsableSignedOut(el: PkceLogin): void {
  expect(el.status, 'status').to.equal('signed-out');
  expect(el.getAttribute('status')).to.equal('signed-out');
  expect(el.authenticated).to.equal(false);
  expect(el.user).to.equal(null);
  const login = part(el, 'login') as HTMLButtonElement | null;
  expect(login?.outerHTML, 'Log in button').to.be.a('string');
  expect(login!.disabled, 'Log in button disabled').to.equal(false);
  expect(login!.getAttribute('aria-busy')).to.equal('false');
  expect(part(el, 'logout')?.outerHTML ?? null).to.equal(null);
}

/**
 * Asserts that exactly one `error` event was emitted, with `code`, and no `token` / `login`;
 * that the event neither bubbles nor is composed, and is cancelable; and that the element is signed out with an
 * enabled Log in button. Returns the error's detail.
 */
export function expectOneError(mounted: Mounted, code: string): { code: string; message: string; description?: string } {
  const { el, events } = mounted;
  const errors = ofType(events, 'error');
  expect(errors, describeLog(events)).to.have.length(1);
  const detail = errors[0]!.detail as { code: string; message: string; description?: string };
  expect(detail.code, detail.message).to.equal(code);
  expect(detail.message).to.be.a('string').and.not.equal('');
  expect(errors[0]!.event.bubbles).to.equal(false);
  expect(errors[0]!.event.composed).to.equal(false);
  expect(errors[0]!.event.cancelable, 'cancelable: an unhandled one goes to the console').to.equal(true);
  expect(ofType(events, 'token'), 'token events').to.have.length(0);
  expect(ofType(events, 'login'), 'login events').to.have.length(0);
  expectUsableSignedOut(el);
  return detail;
}

/** Asserts a completed login: `token` then `login`, no `error`, signed in. */
export function expectSignedIn(mounted: Mounted): void {
  const { el, events } = mounted;
  expect(events.map((e) => e.type), describeLog(events)).to.deep.equal(['token', 'login']);
  expect(el.status).to.equal('signed-in');
  expect(el.authenticated).to.equal(true);
}

/** The element's session database (see src/session-store.ts), emptied between tests. */
const sessionStore = objectStore('sessions');

/** Empties every store the element writes to. */
export async function clearStores(): Promise<void> {
  await clearTransactions();
  await clear(sessionStore);
  sessionStorage.clear();
}

/**
 * Installs the per-test set-up and clean-up in the enclosing `describe`: the address is put back,
 * every element created is signed out locally (a login completed on the page is shared with
 * later elements of the same client), stubs are restored, stores are emptied, and the test fails
 * on any unhandled promise rejection.
 */
export function useHarness(): void {
  let unhandled: ReturnType<typeof watchUnhandledRejections>;

  beforeEach(async () => {
    rememberAddress();
    await clearStores();
    unhandled = watchUnhandledRejections();
  });

  afterEach(async () => {
    sinon.restore();
    for (const el of created.splice(0)) {
      // logout() forgets the page's completed login at once, then waits on the session store,
      // which a test may have left hanging (IndexedDB that never opens): don't wait for ever.
      await Promise.race([el.logout({ local: true }), settle(500)]);
      el.remove();
    }
    restoreAddress();
    await clearStores();
    expect(await unhandled.stop(), 'unhandled rejections').to.deep.equal([]);
  });
}
