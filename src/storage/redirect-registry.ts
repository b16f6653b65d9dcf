/**
 * Which issuers share a redirect URI: the mix-up defence of SPEC §8.9 (RFC 9700 §4.4.2).
 *
 * A response without `iss` (RFC 9207) does not say which provider sent it. When a redirect URI is
 * used by one issuer only, where the response arrived says it; when several issuers share it, a
 * malicious provider can have an honest one answer a login started with it (same `state`,
 * challenge and redirect URI), and would then receive the honest code and the verifier. So a
 * response without `iss` is refused on a shared redirect URI, before any token request.
 *
 * "Shared" means that another issuer uses the same callback address (origin and path: what the
 * element recognises a response by, see callback-url.ts; two redirect URIs that differ only in
 * their query are one address) on this origin:
 * - an element configured for it and connected on this page (kept in memory, in a `Symbol.for`
 *   global shared by every copy of the bundle on the page);
 * - or an element configured for it on this origin in the last {@link REMEMBERED_MS}, in any tab
 *   (IndexedDB: object store `issuers` of the element's database, written in the background
 *   once the element has started and the page is idle, see {@link saveRedirectWhenIdle}, so that
 *   it never delays a restore or a callback; at once before a login, see {@link saveRedirect}).
 *   A pending login always comes from such an element, so the issuers of pending transactions
 *   are in it too.
 *
 * The registry holds issuer URLs and times, by callback address: never a token, code or state.
 * It is read only for a response without `iss`: providers that send it cost nothing here.
 *
 * A page where neither distinct redirect URIs nor `iss` protect logins gets one `console.warn`
 * per callback address, naming the issuers and the fix (a `redirect-uri` per issuer).
 *
 * @packageDocumentation
 */

import { promisifyRequest } from 'idb-keyval';
import { objectStore } from './database.js';
import { withTimeout } from './transaction-store-fallback.js';

/** How long an issuer stays known on a callback address after an element last used it there: 30 days. */
export const REMEMBERED_MS = 30 * 24 * 60 * 60 * 1000;

/** A registration younger than this is not written again: one write a day per issuer and address. */
const REWRITE_AFTER_MS = 24 * 60 * 60 * 1000;

/** Stored per callback address: issuer → last configuration there (epoch milliseconds). */
type StoredIssuers = Record<string, number>;

/** One element configured on this page. */
interface PageEntry {
  /** The element; it counts while connected. */
  owner: WeakRef<object>;
  address: string;
  issuer: string;
  /** Whether its provider advertises `authorization_response_iss_parameter_supported`; unknown before discovery. */
  sendsIss: boolean | undefined;
  /** Its write to IndexedDB, once started (see {@link saveRedirect}). */
  saved: Promise<void> | undefined;
}

/** The page's part of the registry: one per page, whatever the number of copies of the bundle. */
interface PageRegistry {
  entries: Set<PageEntry>;
  /** The issuers IndexedDB had for each address at the last registration (for the warning). */
  stored: Map<string, string[]>;
  /** Addresses already warned about on this page. */
  warned: Set<string>;
}

const PAGE_KEY = Symbol.for('pkce-login.redirect-registry.v1');

function pageRegistry(): PageRegistry {
  const global = globalThis as unknown as Record<symbol, PageRegistry | undefined>;
  return (global[PAGE_KEY] ??= { entries: new Set(), stored: new Map(), warned: new Set() });
}

/**
 * The address a redirect URI's responses are recognised at: its origin and path.
 *
 * @param redirectUri an absolute URL
 */
export function callbackAddress(redirectUri: string): string {
  const url = new URL(redirectUri);
  return url.origin + url.pathname;
}

const issuersStore = objectStore('issuers');

/** Runs `operation` on the registry's store; `undefined` where IndexedDB is missing, fails or hangs. */
function run<T>(mode: IDBTransactionMode, operation: (store: IDBObjectStore) => Promise<T>): Promise<T | undefined> {
  return withTimeout(() => issuersStore(mode, operation)).catch(() => undefined);
}

/** The issuers of a stored value that are still remembered at `now`; anything malformed is dropped. */
function remembered(value: unknown, now: number): StoredIssuers {
  const issuers: StoredIssuers = {};
  if (value === null || typeof value !== 'object') return issuers;
  for (const [issuer, seen] of Object.entries(value)) {
    if (typeof seen === 'number' && now - seen < REMEMBERED_MS) issuers[issuer] = seen;
  }
  return issuers;
}

/**
 * Records `issuer` on `address` in IndexedDB; resolves to the issuers remembered there once a
 * write is committed (a login leaves the page right after), or once read when none was needed.
 */
function store(address: string, issuer: string, now: number): Promise<string[] | undefined> {
  return run('readwrite', async (s) => {
    const issuers = remembered(await promisifyRequest(s.get(address)), now);
    const seen = issuers[issuer];
    if (seen === undefined || now - seen >= REWRITE_AFTER_MS) {
      issuers[issuer] = now;
      s.put(issuers, address);
      await promisifyRequest(s.transaction);
    }
    return Object.keys(issuers);
  });
}

/** The page's connected elements, after dropping the ones gone for good. */
function liveEntries(): PageEntry[] {
  const { entries } = pageRegistry();
  const live: PageEntry[] = [];
  for (const entry of entries) {
    const owner = entry.owner.deref() as { isConnected?: boolean } | undefined;
    if (!owner) entries.delete(entry);
    else if (owner.isConnected !== false) live.push(entry);
  }
  return live;
}

function entryOf(owner: object): PageEntry | undefined {
  for (const entry of pageRegistry().entries) if (entry.owner.deref() === owner) return entry;
  return undefined;
}

/** Warns once per page about `address` when it is shared and one of its issuers here sends no `iss`. */
function warnIfUnprotected(address: string): void {
  const registry = pageRegistry();
  if (registry.warned.has(address)) return;
  const here = liveEntries().filter((entry) => entry.address === address);
  const issuers = new Set([...here.map((entry) => entry.issuer), ...(registry.stored.get(address) ?? [])]);
  const withoutIss = new Set(here.filter((entry) => entry.sendsIss === false).map((entry) => entry.issuer));
  if (issuers.size < 2 || withoutIss.size === 0) return;
  registry.warned.add(address);
  console.warn(
    `<pkce-login>: issuers ${[...issuers].join(', ')} share the redirect URI ${address}, and ${[...withoutIss].join(', ')} ` +
      `sends no "iss" (RFC 9207): its responses are refused there (mix-up defence, RFC 9700 §4.4). ` +
      `Give each issuer its own "redirect-uri".`,
  );
}

/**
 * Records that `owner` (an element) is configured for `issuer` with `redirectUri` on this page.
 * Other tabs learn of it once {@link saveRedirect} has written it.
 */
export function registerRedirect(owner: object, redirectUri: string, issuer: string): void {
  const registry = pageRegistry();
  const address = callbackAddress(redirectUri);
  const previous = entryOf(owner);
  if (previous?.address === address && previous.issuer === issuer) return;
  if (previous) registry.entries.delete(previous);
  registry.entries.add({ owner: new WeakRef(owner), address, issuer, sendsIss: undefined, saved: undefined });
}

/**
 * Writes the registration of `owner` (see {@link registerRedirect}) to IndexedDB for this
 * origin's other pages, once per registration. The element calls it when its start (restore,
 * callback) is over, and before a login, which waits for it before leaving the page: the login's
 * response must find its issuer there.
 *
 * @returns the write's end (it never rejects); at once without a registration
 */
export function saveRedirect(owner: object): Promise<void> {
  const entry = entryOf(owner);
  if (!entry) return Promise.resolve();
  const { address, issuer } = entry;
  return (entry.saved ??= store(address, issuer, Date.now()).then((issuers) => {
    if (issuers) pageRegistry().stored.set(address, issuers);
    warnIfUnprotected(address);
  }));
}

/**
 * {@link saveRedirect}, once the page is idle (at most two seconds later): the write never
 * competes with the page's own work, a session's restore or a callback's code exchange.
 */
export function saveRedirectWhenIdle(owner: object): void {
  const save = () => void saveRedirect(owner);
  if (typeof requestIdleCallback === 'function') requestIdleCallback(save, { timeout: 2000 });
  else setTimeout(save, 500);
}

/**
 * Records whether the provider of `owner`, configured for `issuer`, sends `iss` (its discovered
 * `authorization_response_iss_parameter_supported`), and warns when that leaves the page open.
 */
export function noteIssSupport(owner: object, issuer: string, sendsIss: boolean): void {
  const entry = entryOf(owner);
  if (!entry || entry.issuer !== issuer) return;
  entry.sendsIss = sendsIss;
  warnIfUnprotected(entry.address);
}

/**
 * The issuers other than `issuer` that share one of `redirectUris`' callback addresses on this
 * origin: the elements connected on this page and those remembered in IndexedDB. Never rejects.
 */
export async function otherIssuers(redirectUris: readonly string[], issuer: string): Promise<string[]> {
  const addresses = [...new Set(redirectUris.map(callbackAddress))];
  const now = Date.now();
  const stored = await Promise.all(addresses.map((address) => run('readonly', (s) => promisifyRequest<unknown>(s.get(address)))));
  const issuers = new Set<string>();
  for (const value of stored) for (const other of Object.keys(remembered(value, now))) issuers.add(other);
  // After the read: elements configured meanwhile count too.
  for (const entry of liveEntries()) if (addresses.includes(entry.address)) issuers.add(entry.issuer);
  issuers.delete(issuer);
  return [...issuers].sort();
}
