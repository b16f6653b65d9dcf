/// <reference types="mocha" />
/**
 * Issue 3 §8, fuzzing: a bounded, seeded fuzz test of the callback path. Each case puts a hostile
 * address (random subsets and duplicates of the response parameters, in the query, the fragment
 * or both; very long values, percent-encoding junk, unicode, `__proto__` keys, empty values) and
 * hostile storage (junk, corrupt records, records of other states and clients, expired records,
 * sometimes a valid record for the address's state) in front of a fresh element.
 *
 * Invariants, per case:
 * - no uncaught error, no unhandled rejection, no prototype pollution;
 * - at most one `error` event; the element ends `signed-out` or `signed-in`: signed in with no
 *   error, or (for a callback) signed out with exactly one error;
 * - a token request only when a valid, unexpired record of this client was stored for exactly
 *   the (single) `state` of the response, carrying that record's verifier and the response's code;
 * - a well-formed response for such a record signs in;
 * - an address that is not a response (or not on the redirect URI) is left alone: no event, no
 *   request, address unchanged;
 * - after a callback, the response parameters are gone from the part of the address that had them.
 *
 * The seed is printed. Reproduce or explore with `?FUZZ_SEED=<n>&FUZZ_CASES=<n>` on the test
 * page (wtr --manual), or change DEFAULT_SEED.
 */
import { expect, waitUntil } from '@open-wc/testing';
import { set } from 'idb-keyval';
import sinon from 'sinon';
import type { TransactionRecord } from '../../src/storage/transaction-store.js';
import { paceAddressChanges, setAddress } from '../helpers/address.js';
import type { RecordedEvent } from '../helpers/events.js';
import { clearStores, create, useHarness } from '../helpers/element.js';
import { fuzzSeed, hostileString, Random } from '../helpers/fuzz.js';
import { CLIENT_ID, installFakeProvider, ISSUER, json, providerMetadata, SUB, TOKEN_ENDPOINT, tokenBody } from '../helpers/provider.js';
import { elementStore } from '../helpers/transactions.js';
import type { ServerMetadata } from '../../src/protocol/protocol.js';

const DEFAULT_SEED = 0x9e3779b9;
const SEED = fuzzSeed(DEFAULT_SEED);
const CASES = Number(new URLSearchParams(location.search).get('FUZZ_CASES')) || 150;
/** The address of the test page, before any case changes it. */
const PAGE = new URL(location.href);

const RESPONSE_PARAMS = ['code', 'state', 'iss', 'session_state', 'error', 'error_description', 'error_uri'];
const SPEC_CODES = [
  'invalid_config',
  'discovery_failed',
  'state_mismatch',
  'iss_mismatch',
  'network_error',
  'invalid_response',
  'id_token_invalid',
  'clock_skew',
  'storage_unavailable',
  // Provider codes (SPEC §6), from the token endpoint as well as the authorization response.
  'access_denied',
  'login_required',
  'consent_required',
  'interaction_required',
  'invalid_request',
  'invalid_scope',
  'server_error',
  'temporarily_unavailable',
  'invalid_grant',
  'invalid_client',
  'unauthorized_client',
];

/** One fuzz case: what is stored, and the address. */
interface FuzzCase {
  index: number;
  /** The element's redirect-uri attribute, when it is not the page. */
  redirectUri: string | undefined;
  address: string;
  /** IndexedDB entries (the element's transaction store), in write order. */
  indexedDb: [IDBValidKey, unknown][];
  /** sessionStorage entries, in write order. */
  session: [string, string][];
  /** What was put where, for the failure message. */
  notes: string[];
}

// ---------------------------------------------------------------------------------------------
// Generation

function record(random: Random, state: string, overrides: Partial<TransactionRecord> = {}): TransactionRecord {
  const now = Date.now();
  return {
    version: 1,
    state,
    codeVerifier: random.string(43),
    nonce: random.string(22),
    issuer: ISSUER,
    clientId: CLIENT_ID,
    redirectUri: PAGE.origin + PAGE.pathname,
    metadata: providerMetadata() as ServerMetadata,
    returnTo: random.weighted<string | undefined>([
      [8, undefined],
      [1, '/after/login?x=1#y'],
      [1, hostileString(random)],
    ]),
    createdAt: now,
    expiresAt: now + 600_000,
    ...overrides,
  };
}

/** A stored value under `state` of one kind; `kind` says which, for the failure message. */
function storedValue(random: Random, state: string): { kind: string; value: unknown } {
  return random.weighted<() => { kind: string; value: unknown }>([
    [4, () => ({ kind: 'valid', value: record(random, state) })],
    [1, () => ({ kind: 'expired', value: record(random, state, { createdAt: Date.now() - 700_000, expiresAt: Date.now() - 100_000 }) })],
    [1, () => ({ kind: 'other client', value: record(random, state, { clientId: random.pick(['client-2', '', CLIENT_ID + ' ', 'CLIENT-1']) }) })],
    [1, () => ({ kind: 'other issuer', value: record(random, state, { issuer: random.pick(['https://evil.example/', 'https://op.example', '']) }) })],
    [1, () => ({ kind: 'misfiled (another state inside)', value: record(random, random.string(43)) })],
    [1, () => ({ kind: 'version 2', value: { ...record(random, state), version: 2 } })],
    [1, () => ({ kind: 'no metadata', value: { ...record(random, state), metadata: null } })],
    [1, () => ({ kind: 'verifier not a string', value: { ...record(random, state), codeVerifier: 42 } })],
    [1, () => ({ kind: 'expiry not a number', value: { ...record(random, state), expiresAt: String(Date.now() + 600_000) } })],
    [
      3,
      () => ({
        kind: 'junk',
        value: random.pick<unknown>([
          null,
          0,
          true,
          'a string',
          hostileString(random),
          [],
          [state],
          {},
          { state },
          { version: 1 },
          JSON.parse('{"__proto__":{"polluted":true},"version":1}'),
          new Uint8Array([1, 2, 3]),
        ]),
      }),
    ],
  ])();
}

/** The element's sessionStorage text for a stored value: usually JSON, sometimes not even that. */
function asSessionText(random: Random, value: unknown): string {
  return random.weighted<() => string>([
    [8, () => JSON.stringify(value) ?? 'undefined'],
    [1, () => (JSON.stringify(value) ?? '').slice(0, random.int(40))],
    [1, () => hostileString(random)],
  ])();
}

/** A parameter list for the response part of the address. */
function responseParams(random: Random, target: string): [string, string][] {
  const params: [string, string][] = [];
  const repeat = (name: string, weights: readonly (readonly [number, number])[], value: () => string) => {
    const count = random.weighted(weights);
    for (let i = 0; i < count; i++) params.push([name, value()]);
  };
  repeat('code', [[1, 0], [7, 1], [1, 2], [0.3, 3]], () => random.weighted([[6, () => random.string(random.between(8, 64))], [2, () => hostileString(random)]])());
  repeat('state', [[1, 0], [8, 1], [1.5, 2]], () => random.weighted([[7, () => target], [2, () => hostileString(random)], [1, () => random.string(43)]])());
  repeat('iss', [[2, 0], [7, 1], [1, 2]], () =>
    random.weighted([[7, () => ISSUER], [1, () => 'https://evil.example/'], [1, () => 'https://op.example'], [1, () => hostileString(random)]])(),
  );
  repeat('error', [[7, 0], [2, 1], [0.5, 2]], () =>
    random.weighted([[3, () => random.pick(['access_denied', 'login_required', 'server_error', 'temporarily_unavailable'])], [1, () => ''], [2, () => hostileString(random)]])(),
  );
  for (const name of ['error_description', 'error_uri', 'session_state']) repeat(name, [[6, 0], [2, 1], [0.5, 2]], () => hostileString(random));
  for (const name of ['response', 'id_token', 'token', 'request', 'client_id', 'redirect_uri', 'code_verifier']) {
    repeat(name, [[20, 0], [1, 1]], () => hostileString(random));
  }
  repeat('__proto__', [[6, 0], [1, 1]], () => random.pick(['{"polluted":true}', 'polluted', hostileString(random)]));
  repeat('constructor', [[8, 0], [1, 1]], () => hostileString(random));
  const junk = random.weighted([[5, 0], [2, 1], [1, 3]]);
  for (let i = 0; i < junk; i++) params.push([hostileString(random), hostileString(random)]);
  return random.shuffle(params);
}

/**
 * A near miss: the response the provider would send for `target` (`code`, `state`, `iss`, perhaps
 * `session_state`), then up to `mutations` random changes to it.
 */
function nearMissParams(random: Random, target: string, mutations: number): { params: [string, string][]; changes: string[] } {
  let params: [string, string][] = [
    ['code', random.string(random.between(16, 64))],
    ['state', target],
    ['iss', ISSUER],
  ];
  if (random.chance(0.3)) params.push(['session_state', random.string(30)]);
  const changes: string[] = [];
  for (let i = 0; i < mutations; i++) {
    const names = ['code', 'state', 'iss'];
    const change = random.pick(['duplicate', 'drop', 'replace', 'add error', 'add junk', 'add implicit'] as const);
    const name = random.pick(names);
    changes.push(['duplicate', 'drop', 'replace'].includes(change) ? `${change} ${name}` : change);
    switch (change) {
      case 'duplicate':
        params.push([name, random.chance(0.5) ? params.find(([n]) => n === name)?.[1] ?? '' : hostileString(random)]);
        break;
      case 'drop':
        params = params.filter(([n]) => n !== name);
        break;
      case 'replace':
        params = params.map(([n, v]) => [n, n === name ? hostileString(random) : v]);
        break;
      case 'add error':
        params.push(['error', random.pick(['access_denied', '', hostileString(random)])]);
        if (random.chance(0.5)) params.push(['error_description', hostileString(random)]);
        break;
      case 'add junk':
        params.push([random.pick(['__proto__', 'constructor', 'toString', hostileString(random)]), hostileString(random)]);
        break;
      case 'add implicit':
        params.push([random.pick(['id_token', 'token', 'response']), hostileString(random) || 'x']);
        break;
    }
  }
  return { params: random.shuffle(params), changes };
}

/** Percent-encodes `text`; a lone surrogate (which encodeURIComponent refuses) the way forms do. */
function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return new URLSearchParams([['x', text]]).toString().slice(2);
  }
}

/** Serialises parameters: usually percent-encoded, sometimes raw (so the URL parser sees the junk). */
function serialise(random: Random, params: [string, string][], rawRate = 0.15): string {
  return params
    .map(([name, value]) => {
      const raw = random.chance(rawRate);
      return raw ? `${name}=${value}` : `${encode(name)}=${encode(value)}`;
    })
    .join(random.chance(0.05) ? '&&' : '&');
}

function generate(random: Random, index: number): FuzzCase {
  const notes: string[] = [];
  // A near miss of a real login (a valid transaction, the provider's response, a few changes),
  // or hostile through and through.
  const nearMiss = random.chance(0.45);
  const target = nearMiss
    ? random.string(43)
    : random.weighted([[7, () => random.string(43)], [2, () => hostileString(random)], [0.5, () => '']])();

  const indexedDb: [IDBValidKey, unknown][] = [];
  const session: [string, string][] = [];
  // Junk first (records of other states, garbage under random keys) …
  for (let i = random.weighted([[3, 0], [2, 1], [1, 3]]); i > 0; i--) {
    const key = random.chance(0.5) ? random.string(43) : hostileString(random);
    const { kind, value } = storedValue(random, key);
    if (random.chance(0.6)) indexedDb.push([key, value]);
    else session.push([random.chance(0.7) ? `pkce-login:${key}` : key, asSessionText(random, value)]);
    notes.push(`other key: ${kind}`);
  }
  // … then what is stored under the target state, in either store, both, or neither.
  const valid = nearMiss ? random.pick(['indexedDb', 'session'] as const) : undefined;
  if (valid === 'indexedDb' || random.chance(0.6)) {
    const { kind, value } = valid === 'indexedDb' ? { kind: 'valid', value: record(random, target) } : storedValue(random, target);
    indexedDb.push([target, value]);
    notes.push(`IndexedDB[target]: ${kind}`);
  }
  if (valid === 'session' || random.chance(0.35)) {
    const { kind, value } = valid === 'session' ? { kind: 'valid', value: record(random, target) } : storedValue(random, target);
    session.push([`pkce-login:${target}`, valid === 'session' ? JSON.stringify(value) : asSessionText(random, value)]);
    notes.push(`sessionStorage[target]: ${kind}`);
  }

  const where = random.weighted<'query' | 'fragment' | 'both' | 'none'>([
    [6, 'query'],
    [3, 'fragment'],
    [nearMiss ? 1 : 2, 'both'],
    [nearMiss ? 0 : 1, 'none'],
  ]);
  const response = () => {
    if (!nearMiss) return serialise(random, responseParams(random, target));
    const { params, changes } = nearMissParams(random, target, random.weighted([[4, 0], [3, 1], [2, 2], [1, 3]]));
    notes.push(`near miss: ${changes.join(', ') || 'unchanged'}`);
    return serialise(random, params, nearMiss && random.chance(0.8) ? 0 : 0.15);
  };
  const base = PAGE.origin + PAGE.pathname;
  const keep = random.chance(0.3) ? 'keep=1&' : '';
  const query = where === 'query' || where === 'both' ? response() : random.chance(0.3) ? serialise(random, [[hostileString(random), hostileString(random)]]) : '';
  const fragment = where === 'fragment' || where === 'both' ? response() : random.chance(0.2) ? 'section-2' : '';
  const address = `${base}${keep || query ? `?${keep}${query}` : ''}${fragment ? `#${fragment}` : ''}`;
  const redirectUri = random.chance(nearMiss ? 0.05 : 0.1) ? random.pick(['/elsewhere/callback', `${base}x`, `${base}/deeper`]) : undefined;
  notes.push(`response in: ${where}`, `target state: ${JSON.stringify(target.slice(0, 60))}${target.length > 60 ? `… (${target.length})` : ''}`);
  if (redirectUri) notes.push(`redirect-uri: ${redirectUri}`);
  return { index, redirectUri, address, indexedDb, session, notes };
}

// ---------------------------------------------------------------------------------------------
// The oracle: what the element may do, computed from the address and the storage (SPEC §1.3, §8.3)

function isResponse(params: URLSearchParams): boolean {
  return params.has('state') && (params.has('code') || params.has('error'));
}

/**
 * The response the element should read from `page`, if any (src/callback-url.ts, independently):
 * from the query only, the one response mode the element asks for; a fragment is left alone.
 */
function responseIn(page: URL, redirectUri: string): { params: URLSearchParams; location: 'query' | 'fragment' } | undefined {
  const expected = new URL(redirectUri, page);
  if (page.origin !== expected.origin || page.pathname !== expected.pathname) return undefined;
  return isResponse(page.searchParams) ? { params: page.searchParams, location: 'query' } : undefined;
}

/** A record this element may use for `state`: well-formed, this client's, unexpired, and really for `state`. */
/** A value with the shape of a transaction record, whoever it belongs to. */
function wellFormed(value: unknown): value is TransactionRecord {
  const r = value as Partial<TransactionRecord> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    r.version === 1 &&
    [r.state, r.codeVerifier, r.issuer, r.clientId, r.redirectUri].every((v) => typeof v === 'string') &&
    typeof r.expiresAt === 'number' &&
    typeof r.metadata?.issuer === 'string'
  );
}

function usable(value: unknown, state: string): value is TransactionRecord {
  return (
    wellFormed(value) &&
    value.issuer === ISSUER &&
    value.clientId === CLIENT_ID &&
    value.expiresAt > Date.now() &&
    value.state === state
  );
}

function parse(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The usable records for `state`: the last value written under it in each store. */
/** Well-formed records stored under `state` that belong to another client (issuer or client id). */
function foreignRecords(c: FuzzCase, state: string): TransactionRecord[] {
  const inIndexedDb = new Map(c.indexedDb).get(state);
  const inSession = parse(new Map(c.session).get(`pkce-login:${state}`));
  return [inIndexedDb, inSession].filter((value) => wellFormed(value) && (value.issuer !== ISSUER || value.clientId !== CLIENT_ID)) as TransactionRecord[];
}

function usableRecords(c: FuzzCase, state: string): TransactionRecord[] {
  const inIndexedDb = new Map(c.indexedDb).get(state);
  const inSession = parse(new Map(c.session).get(`pkce-login:${state}`));
  return [inIndexedDb, inSession].filter((value) => usable(value, state));
}

// ---------------------------------------------------------------------------------------------

interface Tally {
  cases: number;
  callbacks: number;
  tokenRequests: number;
  signedIn: number;
  errors: Record<string, number>;
  leftAlone: number;
  wellFormed: number;
  /** Responses for another client's stored transaction, left to that client's element. */
  foreign: number;
}

describe('<pkce-login> callback fuzz', () => {
  useHarness();

  it(`should hold its invariants for ${CASES} hostile callbacks (seed ${SEED})`, async function () {
    // WebKit allows 100 address changes in 10 s, and a case makes up to 4: there the cases are
    // spaced out (paceAddressChanges), which makes the run take some 50 s.
    this.timeout(150_000);
    console.log(`callback fuzz: seed=${SEED} (0x${SEED.toString(16)}), cases=${CASES}; reproduce with ?FUZZ_SEED=${SEED}`);
    const random = new Random(SEED);
    const started = performance.now();
    const tally: Tally = { cases: 0, callbacks: 0, tokenRequests: 0, signedIn: 0, errors: {}, leftAlone: 0, wellFormed: 0, foreign: 0 };
    const violations: string[] = [];

    let current = -1;
    const uncaught: string[] = [];
    const onError = (event: ErrorEvent) => uncaught.push(`case ${current}: uncaught ${event.message}`);
    const onRejection = (event: PromiseRejectionEvent) => uncaught.push(`case ${current}: unhandled rejection ${String(event.reason)}`);
    window.addEventListener('error', onError);
    window.addEventListener('unhandledrejection', onRejection);

    try {
      for (let index = 0; index < CASES; index++) {
        current = index;
        const c = generate(random, index);
        const problems = await runCase(c, tally);
        if (problems.length) {
          violations.push(`case ${index} (seed ${SEED}): ${problems.join('; ')}\n    address: ${c.address.slice(0, 400)}\n    ${c.notes.join('\n    ')}`);
        }
      }
    } finally {
      window.removeEventListener('error', onError);
      window.removeEventListener('unhandledrejection', onRejection);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));

    const elapsed = Math.round(performance.now() - started);
    console.log(
      `callback fuzz: ${tally.cases} cases in ${elapsed} ms: ${tally.callbacks} callbacks (${tally.wellFormed} well-formed for a stored transaction), ` +
        `${tally.leftAlone} left alone, ${tally.foreign} left to another client, ${tally.tokenRequests} token requests, ${tally.signedIn} signed in, errors ${JSON.stringify(tally.errors)}; ` +
        `${violations.length} violating cases, ${uncaught.length} uncaught`,
    );
    expect(uncaught, 'uncaught errors and unhandled rejections').to.deep.equal([]);
    expect(violations, violations.slice(0, 5).join('\n')).to.deep.equal([]);
    // The generator must reach every branch the invariants talk about.
    expect(tally.signedIn, 'cases that signed in').to.be.greaterThan(5);
    expect(tally.leftAlone, 'addresses left alone').to.be.greaterThan(5);
    expect(Object.keys(tally.errors).length, 'distinct error codes').to.be.greaterThan(3);
  });
});

async function runCase(c: FuzzCase, tally: Tally): Promise<string[]> {
  const problems: string[] = [];
  const check = (ok: boolean, message: string) => {
    if (!ok) problems.push(message);
  };
  tally.cases++;

  await paceAddressChanges(4);
  await clearStores();
  for (const [key, value] of c.indexedDb) await set(key, value, elementStore);
  for (const [key, value] of c.session) sessionStorage.setItem(key, value);
  setAddress(c.address);
  const page = new URL(location.href);

  // The token endpoint answers for any usable record stored (under whatever key), so that an
  // exchange with the wrong record would still succeed and show.
  const verifiers = new Map<string, TransactionRecord>();
  for (const value of [...c.indexedDb.map(([, v]) => v), ...c.session.map(([, text]) => parse(text))]) {
    const r = value as TransactionRecord | null;
    if (typeof r === 'object' && r !== null && usable(r, r.state)) verifiers.set(r.codeVerifier, r);
  }
  const provider = installFakeProvider({
    [TOKEN_ENDPOINT]: (request) => {
      const owner = verifiers.get(request.body.get('code_verifier') ?? '');
      return owner ? json(tokenBody(owner.nonce)) : json({ error: 'invalid_grant' }, 400);
    },
  });

  const redirectUri = c.redirectUri ?? PAGE.origin + PAGE.pathname;
  const response = responseIn(page, redirectUri);
  const states = response?.params.getAll('state') ?? [];
  const records = states.length === 1 ? usableRecords(c, states[0]!) : [];
  // No usable record, but another client's: the response is that element's, left alone.
  const foreign = records.length === 0 && states.length === 1 && states[0] !== '' && foreignRecords(c, states[0]!).length > 0;
  const p = response?.params;
  const wellFormed =
    !!p &&
    records.length > 0 &&
    p.getAll('code').length === 1 &&
    p.get('code') !== '' &&
    states[0] !== '' &&
    p.getAll('iss').length === 1 &&
    p.get('iss') === ISSUER &&
    !p.has('error') &&
    !p.has('response') &&
    !p.has('id_token') &&
    !p.has('token');

  const attributes: Record<string, string> = { issuer: ISSUER, 'client-id': CLIENT_ID };
  if (c.redirectUri) attributes['redirect-uri'] = c.redirectUri;
  const { el, events } = create(attributes);
  document.body.append(el);
  try {
    await waitUntil(
      () => (el.status === 'signed-in' || el.status === 'signed-out') && (!response || foreign || events.some((e) => e.type === 'login' || e.type === 'error')),
      'did not settle',
      { timeout: 3000, interval: 2 },
    );
  } catch {
    check(false, `did not settle: status ${el.status}, events ${summary(events)}`);
  }
  // Room for a late second event.
  await new Promise((resolve) => setTimeout(resolve, 10));

  const errors = events.filter((e) => e.type === 'error');
  const logins = events.filter((e) => e.type === 'login');
  const tokenRequests = provider.to(TOKEN_ENDPOINT);
  tally.tokenRequests += tokenRequests.length;
  for (const e of errors) {
    const code = SPEC_CODES.includes(e.detail.code) || /^[a-z_]{1,40}$/.test(e.detail.code) ? e.detail.code : '(hostile provider code)';
    tally.errors[code] = (tally.errors[code] ?? 0) + 1;
  }

  check(errors.length <= 1, `${errors.length} error events: ${summary(events)}`);
  check(el.status === 'signed-in' || el.status === 'signed-out', `ended ${el.status}`);
  check(({} as Record<string, unknown>)['polluted'] === undefined, 'Object.prototype polluted');
  for (const e of errors) {
    check(typeof e.detail.code === 'string' && typeof e.detail.message === 'string', `malformed error detail ${JSON.stringify(e.detail)}`);
    check(SPEC_CODES.includes(e.detail.code) || e.detail.code === p?.get('error'), `error code ${JSON.stringify(e.detail.code)} is neither a SPEC code nor the provider's`);
  }

  if (!response) {
    tally.leftAlone++;
    check(events.length === 0, `not a response, yet events: ${summary(events)}`);
    check(tokenRequests.length === 0, 'not a response, yet a token request');
    check(location.href === page.href, `not a response, yet the address changed to ${location.href.slice(0, 200)}`);
    check(el.status === 'signed-out', `not a response, ended ${el.status}`);
  } else if (foreign) {
    tally.foreign++;
    check(events.length === 0, `another client's response, yet events: ${summary(events)}`);
    check(tokenRequests.length === 0, "another client's response, yet a token request");
    check(el.status === 'signed-out', `another client's response, ended ${el.status}`);
    const now = new URL(location.href);
    const part = response.location === 'query' ? now.searchParams : new URLSearchParams(now.hash.slice(1));
    check(part.getAll('state').length === 1, `another client's response was taken out of the address: ${location.href.slice(0, 200)}`);
  } else {
    tally.callbacks++;
    if (wellFormed) tally.wellFormed++;
    const allowed = records.length > 0;
    check(tokenRequests.length <= (allowed ? 1 : 0), `${tokenRequests.length} token requests; usable record for the state: ${allowed}`);
    const request = tokenRequests[0];
    if (request) {
      check(
        records.some((r) => r.codeVerifier === request.body.get('code_verifier')),
        'the token request carries no stored verifier for the state',
      );
      check(request.body.get('code') === p!.get('code'), 'the token request carries another code');
    }
    if (el.status === 'signed-in') {
      tally.signedIn++;
      check(errors.length === 0 && logins.length === 1, `signed in with events ${summary(events)}`);
      check(tokenRequests.length === 1, 'signed in without a token request');
      check(el.user?.sub === SUB, 'signed in without the user');
    } else {
      check(errors.length === 1 && logins.length === 0, `signed out after a callback with events ${summary(events)}`);
      const button = el.shadowRoot?.querySelector('button');
      check(!!button && !button.disabled, 'signed out without an enabled Log in button');
    }
    if (wellFormed) check(el.status === 'signed-in', `well-formed response for a stored transaction, yet ${summary(events)}`);
    // The response is gone from where it was (a same-origin returnTo may have replaced the address).
    const now = new URL(location.href);
    const part = response.location === 'query' ? now.searchParams : new URLSearchParams(now.hash.slice(1));
    const landed = el.status === 'signed-in' && logins[0]?.detail.returnTo === location.href;
    if (!landed) {
      check(!RESPONSE_PARAMS.some((name) => part.has(name)), `response parameters left in the ${response.location}: ${location.href.slice(0, 200)}`);
    }
    check(now.origin === PAGE.origin, 'the address left the origin');
  }

  // Clean up for the next case.
  await Promise.race([el.logout({ local: true }), new Promise((resolve) => setTimeout(resolve, 300))]);
  el.remove();
  sinon.restore();
  history.replaceState(history.state, '', PAGE.href);
  return problems;
}

function summary(events: readonly RecordedEvent[]): string {
  return JSON.stringify(events.map(({ type, detail }) => (type === 'error' ? { type, code: detail.code, message: String(detail.message).slice(0, 120) } : { type })));
}

