/// <reference types="mocha" />
// The element's one IndexedDB database and the page's one connection to it (issue 16).
import { expect, waitUntil } from '@open-wc/testing';
import { get, set } from 'idb-keyval';
import sinon from 'sinon';
import { closeDatabase, DATABASE_NAME, objectStore, openDatabase } from '../../src/storage/database.js';

/** Deletes the element's database; resolves once it is gone (fails the test if it stays blocked). */
function deleteDatabase(): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(DATABASE_NAME);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error ?? new Error('deleteDatabase failed'));
    request.onblocked = () => reject(new Error('deleteDatabase blocked by an open connection'));
  });
}

/** Creates a database of an earlier build with one store and its records. */
function createLegacy(name: string, store: string, records: Record<string, unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => {
      const s = request.result.createObjectStore(store);
      for (const [key, value] of Object.entries(records)) s.put(value, key);
    };
    request.onsuccess = () => {
      request.result.close();
      resolve();
    };
    request.onerror = () => reject(request.error ?? new Error('open failed'));
  });
}

async function databaseNames(): Promise<string[]> {
  return (await indexedDB.databases()).map((db) => db.name ?? '');
}

describe('the element database', () => {
  afterEach(() => {
    sinon.restore();
    closeDatabase();
  });

  it('should open one connection for every object store of the page', async () => {
    closeDatabase();
    const open = sinon.spy(indexedDB, 'open');
    await Promise.all([
      set('t', 1, objectStore('transactions')),
      set('s', 2, objectStore('sessions')),
      set('i', 3, objectStore('issuers')),
      openDatabase(),
    ]);
    expect(await get('s', objectStore('sessions'))).to.equal(2);
    // (At the database's creation, the look for earlier builds' databases opens those too.)
    expect(open.args.filter(([name]) => name === 'pkce-login'), 'indexedDB.open calls of the element database').to.have.length(1);
    const db = await openDatabase();
    expect([...db.objectStoreNames].sort()).to.deep.equal(['issuers', 'sessions', 'transactions']);
  });

  it('should upgrade a version 1 database (transactions only) and keep its records', async () => {
    closeDatabase();
    await deleteDatabase();
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.open(DATABASE_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore('transactions').put('kept', 'old-state');
      request.onsuccess = () => {
        request.result.close();
        resolve();
      };
      request.onerror = () => reject(request.error ?? new Error('open failed'));
    });
    expect(await get('old-state', objectStore('transactions'))).to.equal('kept');
    await set('key', 'value', objectStore('sessions'));
    expect(await get('key', objectStore('sessions'))).to.equal('value');
  });

  it('should give way to a deletion from another tab, and open again at the next use', async () => {
    await set('key', 'value', objectStore('sessions'));
    await deleteDatabase();
    expect(await get('key', objectStore('sessions')), 'a new, empty database').to.equal(undefined);
  });

  it('should try a failed open again at the next use', async () => {
    closeDatabase();
    const open = sinon.stub(indexedDB, 'open').throws(new DOMException('IndexedDB is disabled', 'InvalidStateError'));
    let failure: unknown;
    await openDatabase().catch((error: unknown) => (failure = error));
    expect(failure).to.be.instanceOf(DOMException);
    open.restore();
    await set('key', 'again', objectStore('sessions'));
    expect(await get('key', objectStore('sessions'))).to.equal('again');
  });

  it("should take in the sessions and issuers of earlier builds' databases, then delete those databases", async () => {
    closeDatabase();
    await deleteDatabase();
    const session = { version: 1, issuer: 'https://op.example/', clientId: 'c', tokens: { accessToken: 'a', refreshToken: 'r' } };
    await createLegacy('pkce-login-sessions', 'sessions', { 'https://op.example/ c': session });
    await createLegacy('pkce-login-redirects', 'issuers', { 'https://app.example/cb': { 'https://op.example/': 1 } });
    expect(await get('https://op.example/ c', objectStore('sessions')), 'nobody is signed out by the upgrade').to.deep.equal(session);
    expect(await get('https://app.example/cb', objectStore('issuers'))).to.deep.equal({ 'https://op.example/': 1 });
    await waitUntil(async () => !(await databaseNames()).some((name) => name.startsWith('pkce-login-')), 'the old databases are deleted');
  });

  it('should create no database of an earlier build where there was none', async () => {
    closeDatabase();
    await deleteDatabase();
    await openDatabase();
    // (WebKit keeps a database whose creation was aborted until the element deletes it.)
    await waitUntil(async () => (await databaseNames()).filter((name) => name.startsWith('pkce-login')).join() === 'pkce-login', 'only the element database');
  });
});
