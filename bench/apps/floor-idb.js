// The floor with the transaction in IndexedDB instead of sessionStorage, as SPEC §1.2 asks of
// <pkce-login>: the same hand-written page (floor-page.js), but the verifier and state go to an
// IndexedDB record keyed by state before the redirect, and on return the record is read and
// deleted in one read-write transaction before the token request. No library: the raw API.
// What it measures: the cost of that one requirement, on its own.
import { floorPage } from './floor-page.js';

/** The transactions object store, in a new read-write transaction, and that transaction's end. */
function transactions() {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('floor-idb');
    open.onupgradeneeded = () => open.result.createObjectStore('transactions');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const tx = open.result.transaction('transactions', 'readwrite');
      const done = new Promise((resolveDone, rejectDone) => {
        tx.oncomplete = resolveDone;
        tx.onerror = tx.onabort = () => rejectDone(tx.error);
      });
      resolve({ store: tx.objectStore('transactions'), done });
    };
  });
}

floorPage({
  async save(record) {
    const { store, done } = await transactions();
    store.put(record, record.state);
    await done;
  },
  async take(state) {
    const { store } = await transactions();
    const saved = await new Promise((resolve, reject) => {
      const get = store.get(state);
      get.onsuccess = () => resolve(get.result);
      get.onerror = () => reject(get.error);
    });
    // Deleted in the same transaction; the token request does not wait for the commit.
    store.delete(state);
    return saved;
  },
});
