/// <reference types="mocha" />
/**
 * Issue 3 §2, storage faults: corrupt and foreign transaction records are a `state_mismatch`,
 * never a crash and never a token request; IndexedDB that hangs or is missing falls back to
 * sessionStorage, and a same-tab login still completes.
 */
import { expect, waitUntil } from '@open-wc/testing';
import { get, keys, set } from 'idb-keyval';
import sinon from 'sinon';
import type { TransactionRecord } from '../../src/storage/transaction-store.js';
import { pageWith, setAddress, withResponse } from '../helpers/address.js';
import { describeLog, ofType } from '../helpers/events.js';
import {
  button,
  expectOneError,
  expectSignedIn,
  mount,
  settle,
  untilLoginOrError,
  untilStatus,
  useHarness,
  type Mounted,
} from '../helpers/element.js';
import { blockIndexedDb, breakIndexedDb, removeIndexedDb } from '../helpers/faults.js';
import { CLIENT_ID, installFakeProvider, ISSUER, json, TOKEN_ENDPOINT, tokenBody, type FakeProvider } from '../helpers/provider.js';
import { buildTransaction } from '../helpers/records.js';
import { elementStore, seedTransaction, storedTransaction } from '../helpers/transactions.js';

/** The element's sessionStorage key for a transaction. */
const sessionKey = (state: string) => `pkce-login:${state}`;

/** How long the element waits on IndexedDB before trying the next store (src/transaction-store-fallback.ts). */
const STORE_TIMEOUT_MS = 3000;

interface Outcome extends Mounted {
  provider: FakeProvider;
  page: URL;
}

/** Puts a callback for `state` into the address, mounts the element, waits for login or error. */
async function callbackFor(state: string, nonce?: string, quietOutcome?: 'signed-out'): Promise<Outcome> {
  const page = pageWith({ keep: '1' });
  setAddress(withResponse(page, { code: 'the-code', state, iss: ISSUER }));
  // A provider installed for the login before: this callback's replaces it.
  if ('restore' in window.fetch) (window.fetch as sinon.SinonStub).restore();
  const provider = installFakeProvider({ [TOKEN_ENDPOINT]: () => json(tokenBody(nonce)) });
  const mounted = await mount();
  // A response for another element ends quietly signed out, with no event.
  if (quietOutcome) await untilStatus(mounted.el, quietOutcome, 8000);
  else await untilLoginOrError(mounted.events, 8000);
  await settle();
  await mounted.el.updateComplete;
  return { ...mounted, provider, page };
}

async function expectStateMismatch(outcome: Outcome): Promise<void> {
  expectOneError(outcome, 'state_mismatch');
  expect(outcome.provider.to(TOKEN_ENDPOINT), 'token requests').to.have.length(0);
  expect(location.href).to.equal(outcome.page.href);
}

/**
 * Logs in with a click on a fresh element; returns the authorization request's state and nonce and
 * how long the click took to navigate.
 */
async function clickLogin(): Promise<{ state: string; nonce: string | undefined; elapsed: number; first: Mounted }> {
  const first = await mount();
  // With IndexedDB hanging, restoring a session gives up after the store timeout first.
  await untilStatus(first.el, 'signed-out', STORE_TIMEOUT_MS + 2000);
  const started = performance.now();
  button(first.el).click();
  await waitUntil(() => first.el.navigated.length > 0 || ofType(first.events, 'error').length > 0, 'no navigation', {
    timeout: STORE_TIMEOUT_MS + 3000,
    interval: 5,
  });
  const elapsed = performance.now() - started;
  expect(ofType(first.events, 'error'), describeLog(first.events)).to.have.length(0);
  const authorization = first.el.navigated[0]!;
  first.el.remove();
  return { state: authorization.searchParams.get('state')!, nonce: authorization.searchParams.get('nonce') ?? undefined, elapsed, first };
}

describe('<pkce-login> storage faults', () => {
  useHarness();

  describe('corrupt records under the callback state', () => {
    const corrupt: [string, (state: string) => Promise<unknown>][] = [
      ['a string', async () => 'just a string'],
      ['null', async () => null],
      ['a number', async () => 42],
      ['an array', async (state) => [state, 'verifier']],
      ['an object of another shape', async (state) => ({ state, verifier: 'v', when: Date.now() })],
      ['a record of version 2', async (state) => ({ ...(await buildTransaction({ state })), version: 2 })],
      ['a record without metadata', async (state) => ({ ...(await buildTransaction({ state })), metadata: undefined })],
      ['a record whose verifier is not a string', async (state) => ({ ...(await buildTransaction({ state })), codeVerifier: 12345 })],
      ['a record without expiry', async (state) => ({ ...(await buildTransaction({ state })), expiresAt: undefined })],
    ];

    for (const [what, value] of corrupt) {
      it(`should report state_mismatch for ${what} in IndexedDB, make no token request, and delete it`, async () => {
        const state = `corrupt-${Math.random().toString(36).slice(2)}`;
        await set(state, await value(state), elementStore);
        const outcome = await callbackFor(state);
        await expectStateMismatch(outcome);
        expect(await keys(elementStore), 'the corrupt record is gone').not.to.include(state);
      });
    }

    const corruptJson: [string, (state: string) => Promise<string>][] = [
      ['text that is not JSON', async () => '{not json'],
      ['JSON null', async () => 'null'],
      ['a JSON string', async () => '"a string"'],
      ['a JSON record of version 2', async (state) => JSON.stringify({ ...(await buildTransaction({ state })), version: 2 })],
      ['a JSON object with __proto__', async () => '{"__proto__":{"version":1,"state":"x"},"constructor":{"prototype":{"polluted":true}}}'],
    ];

    for (const [what, value] of corruptJson) {
      it(`should report state_mismatch for ${what} in sessionStorage, make no token request, and delete it`, async () => {
        const state = `corrupt-${Math.random().toString(36).slice(2)}`;
        sessionStorage.setItem(sessionKey(state), await value(state));
        const outcome = await callbackFor(state);
        await expectStateMismatch(outcome);
        expect(sessionStorage.getItem(sessionKey(state)), 'the corrupt record is gone').to.equal(null);
        expect(({} as Record<string, unknown>)['polluted'], 'no prototype pollution').to.equal(undefined);
      });
    }

    it('should report state_mismatch for a record stored under the state but made for another state, and delete it', async () => {
      const state = `misfiled-${Math.random().toString(36).slice(2)}`;
      const record = await buildTransaction();
      await set(state, record, elementStore);
      const outcome = await callbackFor(state, record.nonce);
      // Filed under another state than its own: as corrupt as an unreadable record.
      await expectStateMismatch(outcome);
      expect(await get(state, elementStore), 'the corrupt record is gone').to.equal(undefined);
    });

    it('should report state_mismatch for an expired record, make no token request, and delete it', async () => {
      const record = await seedTransaction({ record: { createdAt: Date.now() - 700_000, expiresAt: Date.now() - 100_000 } });
      const outcome = await callbackFor(record.state, record.nonce);
      await expectStateMismatch(outcome);
      expect(await storedTransaction(record.state)).to.equal(undefined);
    });
  });

  describe('foreign records', () => {
    for (const [what, owner] of [
      ['another client id', { clientId: 'client-2' }],
      ['another issuer', { issuer: 'https://other-op.example/' }],
    ] as const) {
      it(`should leave a record of ${what}, and the response in the address, for its owner: no error, no token request`, async () => {
        const record = await seedTransaction({ record: owner });
        const outcome = await callbackFor(record.state, record.nonce, 'signed-out');
        expect(ofType(outcome.events, 'error')).to.deep.equal([]);
        expect(outcome.provider.to(TOKEN_ENDPOINT)).to.have.length(0);
        expect(await storedTransaction(record.state), 'left for its owner').to.deep.equal(record);
        expect(new URL(location.href).searchParams.get('state'), 'left in the address').to.equal(record.state);
      });
    }

    it('should leave a foreign record in sessionStorage for its owner', async () => {
      const record = await buildTransaction({ clientId: 'client-2' });
      sessionStorage.setItem(sessionKey(record.state), JSON.stringify(record));
      const outcome = await callbackFor(record.state, record.nonce, 'signed-out');
      expect(ofType(outcome.events, 'error')).to.deep.equal([]);
      expect(outcome.provider.to(TOKEN_ENDPOINT)).to.have.length(0);
      expect(JSON.parse(sessionStorage.getItem(sessionKey(record.state))!)).to.deep.equal(JSON.parse(JSON.stringify(record)));
    });

    it('should complete the login from sessionStorage when IndexedDB holds a foreign record under the same state', async () => {
      const record = await buildTransaction();
      await set(record.state, { ...record, clientId: 'client-2' }, elementStore);
      sessionStorage.setItem(sessionKey(record.state), JSON.stringify(record));
      const outcome = await callbackFor(record.state, record.nonce);
      expectSignedIn(outcome);
      expect(outcome.provider.to(TOKEN_ENDPOINT)[0]!.body.get('code_verifier')).to.equal(record.codeVerifier);
      expect(await storedTransaction(record.state), 'the foreign record stays').to.include({ clientId: 'client-2' });
    });
  });

  describe('IndexedDB faults', () => {
    // Opening the element's database hangs, or every IndexedDB open hangs (the Safari 14 bug
    // hangs them all): the transaction store and the session store give up after their timeout,
    // so the element still works.
    for (const [what, only] of [
      ["opening the element's database", ['pkce-login']],
      ['every IndexedDB open', undefined],
    ] as const) {
      it(`should fall back to sessionStorage within the store timeout when ${what} never completes, and complete the login`, async function () {
        this.timeout(4 * STORE_TIMEOUT_MS + 5000);
        blockIndexedDb(only ? [...only] : undefined);
        installFakeProvider();
        const { state, nonce, elapsed } = await clickLogin();
        expect(elapsed, 'ms from the click to the navigation').to.be.within(STORE_TIMEOUT_MS - 100, STORE_TIMEOUT_MS + 1500);
        const stored = JSON.parse(sessionStorage.getItem(sessionKey(state))!) as TransactionRecord;
        expect(stored).to.include({ state, issuer: ISSUER, clientId: CLIENT_ID, nonce });

        const started = performance.now();
        const outcome = await callbackFor(state, nonce);
        expect(performance.now() - started, 'ms for the callback').to.be.below(2 * STORE_TIMEOUT_MS + 1500);
        expectSignedIn(outcome);
        expect(outcome.provider.to(TOKEN_ENDPOINT)[0]!.body.get('code_verifier')).to.equal(stored.codeVerifier);
        expect(sessionStorage.getItem(sessionKey(state)), 'used once').to.equal(null);
      });
    }

    it('should log in same-tab through sessionStorage when window.indexedDB is undefined', async () => {
      const restore = removeIndexedDb();
      try {
        expect(window.indexedDB).to.equal(undefined);
        installFakeProvider();
        const { state, nonce, elapsed } = await clickLogin();
        expect(elapsed).to.be.below(1000);
        const stored = JSON.parse(sessionStorage.getItem(sessionKey(state))!) as TransactionRecord;
        expect(stored).to.include({ state, clientId: CLIENT_ID });

        const outcome = await callbackFor(state, nonce);
        expectSignedIn(outcome);
        expect(outcome.provider.to(TOKEN_ENDPOINT)[0]!.body.get('code_verifier')).to.equal(stored.codeVerifier);
        expect(sessionStorage.getItem(sessionKey(state)), 'used once').to.equal(null);
      } finally {
        restore();
      }
      expect(window.indexedDB).to.be.instanceOf(IDBFactory);
    });

    it('should report state_mismatch, not crash, when IndexedDB fails at the callback and the record is only there', async () => {
      const record = await seedTransaction();
      breakIndexedDb('fails');
      const outcome = await callbackFor(record.state, record.nonce);
      expectOneError(outcome, 'state_mismatch');
      expect(outcome.provider.to(TOKEN_ENDPOINT)).to.have.length(0);
    });

    it('should fall back to sessionStorage when an IndexedDB write throws', async () => {
      const put = sinon.stub(IDBObjectStore.prototype, 'put').throws(new DOMException('The quota has been exceeded.', 'QuotaExceededError'));
      installFakeProvider();
      const { state, nonce } = await clickLogin();
      expect(put.called).to.equal(true);
      expect(sessionStorage.getItem(sessionKey(state))).to.be.a('string');
      put.restore();
      const outcome = await callbackFor(state, nonce);
      expectSignedIn(outcome);
    });
  });

  describe('purging', () => {
    /** Expired and unreadable records of this client and another, and live ones of both. */
    async function seedAbandoned() {
      const expired = await seedTransaction({ record: { createdAt: Date.now() - 700_000, expiresAt: Date.now() - 100_000 } });
      const expiredForeign = await seedTransaction({ record: { clientId: 'client-2', createdAt: Date.now() - 700_000, expiresAt: Date.now() - 1 } });
      const live = await seedTransaction();
      const liveForeign = await seedTransaction({ record: { clientId: 'client-2' } });
      await set('junk-key', 'junk value', elementStore);
      await set('null-key', null, elementStore);
      return { abandoned: [expired.state, expiredForeign.state, 'junk-key', 'null-key'], live: [live.state, liveForeign.state] };
    }

    it('should purge expired and unreadable records when a callback takes its transaction, and keep live ones', async () => {
      const { abandoned, live } = await seedAbandoned();
      const record = await seedTransaction();
      const outcome = await callbackFor(record.state, record.nonce);
      expectSignedIn(outcome);
      const remaining = await keys(elementStore);
      expect(remaining).to.include.members(live);
      for (const key of [...abandoned, record.state]) expect(remaining, key).not.to.include(key);
    });

    it('should store a login transaction without walking the other records: the click waits for its own write only', async () => {
      const { abandoned, live } = await seedAbandoned();
      installFakeProvider();
      const { state } = await clickLogin();
      expect(await get(state, elementStore)).to.include({ state });
      expect(await keys(elementStore)).to.include.members([...abandoned, ...live, state]);
    });
  });
});
