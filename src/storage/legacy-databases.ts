/**
 * Databases of earlier builds, from before the element kept everything in one database (see
 * database.ts): `pkce-login-sessions` (store `sessions`) and `pkce-login-redirects` (store
 * `issuers`). When the element's database is created or upgraded, their records are copied into
 * the same stores there, so that nobody is signed out by the upgrade, and the old databases are
 * deleted, so that no refresh token is left behind in a database nothing reads any more.
 *
 * No DOM; no network.
 *
 * @packageDocumentation
 */

import { promisifyRequest } from 'idb-keyval';
import type { ObjectStoreName } from './database.js';

/** Each earlier database, and the store of the element's database its records go to. */
const LEGACY: readonly (readonly [database: string, store: ObjectStoreName])[] = [
  ['pkce-login-sessions', 'sessions'],
  ['pkce-login-redirects', 'issuers'],
];

/** An existing database, opened; `undefined` when there is none (none is created). */
async function openExisting(name: string): Promise<IDBDatabase | undefined> {
  const request = indexedDB.open(name);
  // No such database: opening would create it; the aborted creation leaves nothing.
  request.onupgradeneeded = () => request.transaction?.abort();
  try {
    return await promisifyRequest(request);
  } catch {
    return undefined;
  }
}

/** Every key and value of `store` in `db`, when it has that store. */
async function entries(db: IDBDatabase, store: string): Promise<[IDBValidKey[], unknown[]]> {
  if (!db.objectStoreNames.contains(store)) return [[], []];
  const s = db.transaction(store).objectStore(store);
  return Promise.all([promisifyRequest(s.getAllKeys()), promisifyRequest(s.getAll())]);
}

/**
 * Copies the records of the earlier databases into `db` (a record already there stays), then
 * deletes them. Never rejects: what cannot be read is left to the deletion.
 */
export async function migrateLegacyDatabases(db: IDBDatabase): Promise<void> {
  for (const [name, store] of LEGACY) {
    const legacy = await openExisting(name);
    if (legacy) await moveRecords(legacy, store, db);
    // Not awaited: a tab of an earlier build holding it open delays the deletion, not the element.
    // Also where none was found: WebKit keeps the database whose creation was aborted.
    indexedDB.deleteDatabase(name);
  }
}

/** Copies `store` of the earlier database `legacy` into `db`, and closes `legacy`. */
async function moveRecords(legacy: IDBDatabase, store: ObjectStoreName, db: IDBDatabase): Promise<void> {
  try {
    const [keys, values] = await entries(legacy, store);
    if (keys.length) {
      const target = db.transaction(store, 'readwrite').objectStore(store);
      // `add` keeps a record the element wrote meanwhile; its ConstraintError is expected.
      keys.forEach((key, i) => (target.add(values[i], key).onerror = (event) => event.preventDefault()));
      await promisifyRequest(target.transaction);
    }
  } catch {
    // unreadable: deleted all the same
  } finally {
    legacy.close();
  }
}
