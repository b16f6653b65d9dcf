// The floor with the transaction and the session in IndexedDB instead of sessionStorage, as
// SPEC §1.2 asks of <pkce-login>: the same hand-written page (floor-page.js), but the verifier and
// state go to an IndexedDB record keyed by state before the redirect, and on return the record is
// read and deleted in one read-write transaction before the token request; the session is one
// record, written after the token response and read at every later page load (one database open,
// one read-only transaction). No library: the raw API.
// What it measures: the cost of that one requirement, on its own.
import { floorPage } from './floor-page.js';

/** The database, opened (and created with its two object stores) once per page. */
let database;
function open() {
  database ??= new Promise((resolve, reject) => {
    const request = indexedDB.open('floor-idb');
    request.onupgradeneeded = () => {
      request.result.createObjectStore('transactions');
      request.result.createObjectStore('sessions');
    };
    request.onerror = () => reject(request.error);
    request.onsuccess = () => resolve(request.result);
  });
  return database;
}

/** An object store in a new transaction, and that transaction's end. */
async function objectStore(name, mode) {
  const tx = (await open()).transaction(name, mode);
  const done = new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
  return { store: tx.objectStore(name), done };
}

const result = (request) => new Promise((resolve, reject) => {
  request.onsuccess = () => resolve(request.result);
  request.onerror = () => reject(request.error);
});

floorPage({
  async save(record) {
    const { store, done } = await objectStore('transactions', 'readwrite');
    store.put(record, record.state);
    await done;
  },
  async take(state) {
    const { store } = await objectStore('transactions', 'readwrite');
    const saved = await result(store.get(state));
    // Deleted in the same transaction; the token request does not wait for the commit.
    store.delete(state);
    return saved;
  },
  async saveSession(session) {
    const { store, done } = await objectStore('sessions', 'readwrite');
    store.put(session, 'session');
    await done;
  },
  async loadSession() {
    const { store } = await objectStore('sessions', 'readonly');
    return result(store.get('session'));
  },
});
