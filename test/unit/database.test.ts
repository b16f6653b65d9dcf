/// <reference types="mocha" />
// The element's one IndexedDB database and the page's one connection to it (issue 16).
import { expect } from '@open-wc/testing';
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
    expect(open.callCount, 'indexedDB.open calls').to.equal(1);
    expect(open.firstCall.args[0]).to.equal('pkce-login');
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
});
