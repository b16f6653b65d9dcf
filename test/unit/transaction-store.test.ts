/// <reference types="mocha" />
import { expect } from '@open-wc/testing';
import { createStore, get, set, type UseStore } from 'idb-keyval';
import { indexedDbTransactionStore, isTransactionRecord, type TransactionRecord } from '../../src/storage/transaction-store.js';
import { CLIENT_ID, ISSUER, providerMetadata } from '../helpers/provider.js';
import type { ServerMetadata } from '../../src/protocol/protocol.js';

const OWNER = { issuer: ISSUER, clientId: CLIENT_ID };

let counter = 0;

function record(overrides: Partial<TransactionRecord> = {}): TransactionRecord {
  const createdAt = Date.now();
  return {
    version: 1,
    state: `state-${++counter}-${Math.random().toString(36).slice(2)}`,
    codeVerifier: 'verifier-verifier-verifier-verifier-verifier',
    nonce: 'nonce',
    issuer: ISSUER,
    clientId: CLIENT_ID,
    redirectUri: 'https://app.example/callback',
    metadata: providerMetadata() as ServerMetadata,
    returnTo: undefined,
    createdAt,
    expiresAt: createdAt + 600_000,
    ...overrides,
  };
}

describe('indexedDbTransactionStore', () => {
  let dbName: string;
  let kv: UseStore;

  beforeEach(() => {
    // A database of its own for each test, through the injectable store parameter.
    dbName = `pkce-login-test-${Date.now()}-${++counter}`;
    kv = createStore(dbName, 'kv');
  });

  it('should return a stored record once, then undefined', async () => {
    const store = indexedDbTransactionStore(kv);
    const stored = record();
    await store.put(stored);
    expect(await store.consume(stored.state, OWNER)).to.deep.equal(stored);
    expect(await store.consume(stored.state, OWNER)).to.equal(undefined);
    expect(await get(stored.state, kv)).to.equal(undefined);
  });

  it('should have the record readable from another connection as soon as put resolves', async () => {
    const stored = record();
    await indexedDbTransactionStore(kv).put(stored);
    expect(await get(stored.state, createStore(dbName, 'kv'))).to.deep.equal(stored);
  });

  it('should keep records of parallel logins apart, keyed by state', async () => {
    const store = indexedDbTransactionStore(kv);
    const first = record();
    const second = record();
    await Promise.all([store.put(first), store.put(second)]);
    expect(await store.consume(second.state, OWNER)).to.deep.equal(second);
    expect(await store.consume(first.state, OWNER)).to.deep.equal(first);
  });

  it('should return undefined for an unknown state', async () => {
    expect(await indexedDbTransactionStore(kv).consume('never-stored', OWNER)).to.equal(undefined);
  });

  it('should refuse and delete an expired record', async () => {
    const store = indexedDbTransactionStore(kv);
    const expired = record({ createdAt: Date.now() - 700_000, expiresAt: Date.now() - 100_000 });
    await store.put(expired);
    expect(await store.consume(expired.state, OWNER)).to.equal(undefined);
    expect(await get(expired.state, kv)).to.equal(undefined);
  });

  it('should refuse a record once `now` passes its expiry', async () => {
    const store = indexedDbTransactionStore(kv);
    const stored = record();
    await store.put(stored);
    expect(await store.consume(stored.state, OWNER, stored.expiresAt + 1)).to.equal(undefined);
    expect(await get(stored.state, kv)).to.equal(undefined);
  });

  it("should refuse another issuer's record without deleting it", async () => {
    const store = indexedDbTransactionStore(kv);
    const stored = record();
    await store.put(stored);
    expect(await store.consume(stored.state, { issuer: 'https://other.example/', clientId: CLIENT_ID })).to.equal(null);
    expect(await get(stored.state, kv)).to.deep.equal(stored);
    expect(await store.consume(stored.state, OWNER)).to.deep.equal(stored);
  });

  it("should refuse another client's record without deleting it", async () => {
    const store = indexedDbTransactionStore(kv);
    const stored = record();
    await store.put(stored);
    expect(await store.consume(stored.state, { issuer: ISSUER, clientId: 'other-client' }), 'null: another client\'s').to.equal(null);
    expect(await get(stored.state, kv)).to.deep.equal(stored);
  });

  for (const [what, value] of [
    ['a string', 'garbage'],
    ['null', null],
    ['a record of another version', { ...record(), version: 2 }],
    ['a record without a verifier', { ...record(), codeVerifier: undefined }],
    ['a record without metadata', { ...record(), metadata: undefined }],
  ] as [string, unknown][]) {
    it(`should refuse and delete a corrupt or foreign value: ${what}`, async () => {
      const state = `corrupt-${++counter}`;
      await set(state, value, kv);
      expect(await indexedDbTransactionStore(kv).consume(state, OWNER)).to.equal(undefined);
      expect(await get(state, kv)).to.equal(undefined);
    });
  }

  it('should purge expired and unreadable entries when a record is taken out, and keep live ones', async () => {
    const store = indexedDbTransactionStore(kv);
    const expired = record({ createdAt: Date.now() - 700_000, expiresAt: Date.now() - 100_000 });
    const live = record({ clientId: 'another-client' });
    await set(expired.state, expired, kv);
    await set(live.state, live, kv);
    await set('junk', { hello: 'world' }, kv);
    const fresh = record();
    await store.put(fresh);
    expect(await get(expired.state, kv), 'a put writes its record only').to.deep.equal(expired);
    expect(await get('junk', kv)).to.deep.equal({ hello: 'world' });
    expect(await store.consume(fresh.state, OWNER)).to.deep.equal(fresh);
    expect(await get(expired.state, kv)).to.equal(undefined);
    expect(await get('junk', kv)).to.equal(undefined);
    expect(await get(fresh.state, kv)).to.equal(undefined);
    expect(await get(live.state, kv)).to.deep.equal(live);
  });

  it('should give the record to exactly one of two concurrent consumers on one connection', async () => {
    const store = indexedDbTransactionStore(kv);
    const stored = record();
    await store.put(stored);
    const results = await Promise.all([store.consume(stored.state, OWNER), store.consume(stored.state, OWNER)]);
    expect(results.filter((result) => result !== undefined)).to.deep.equal([stored]);
  });

  it('should give the record to exactly one of two concurrent consumers on separate connections (two tabs)', async () => {
    const stored = record();
    await indexedDbTransactionStore(kv).put(stored);
    const tabA = indexedDbTransactionStore(createStore(dbName, 'kv'));
    const tabB = indexedDbTransactionStore(createStore(dbName, 'kv'));
    const results = await Promise.all([tabA.consume(stored.state, OWNER), tabB.consume(stored.state, OWNER)]);
    expect(results.filter((result) => result !== undefined)).to.deep.equal([stored]);
  });

  it('should recognise transaction records by shape', () => {
    expect(isTransactionRecord(record())).to.equal(true);
    expect(isTransactionRecord(undefined)).to.equal(false);
    expect(isTransactionRecord({ ...record(), expiresAt: '1' })).to.equal(false);
  });
});
