/**
 * The element's IndexedDB database, `pkce-login`: one object store per kind of record, and one
 * connection to it per page (per copy of the bundle), shared by every store and every element.
 *
 * - `transactions`: login transactions, by `state` (transaction-store.ts);
 * - `sessions`: signed-in sessions, by client (session-store.ts);
 * - `issuers`: the issuers seen on each callback address, for the mix-up defence
 *   (redirect-registry.ts).
 *
 * Opening a database is the slow part of an IndexedDB read on a page load (several milliseconds,
 * in the browser process); one connection opened once, as early as possible, costs that once.
 * The stores themselves are used through idb-keyval, with a {@link UseStore} per object store.
 *
 * Created or upgraded, it takes in the records of the databases earlier builds kept
 * (legacy-databases.ts). The connection gives way to an upgrade or a deletion of the database from another tab (it
 * closes on `versionchange`), and is opened again at the next use. A failed open is tried again
 * at the next use; one that never completes (a blocked upgrade, some private windows) is left to
 * the callers' timeouts.
 *
 * No DOM; no network.
 *
 * @packageDocumentation
 */

import { promisifyRequest, type UseStore } from 'idb-keyval';
import { migrateLegacyDatabases } from './legacy-databases.js';

/** The database's name. */
export const DATABASE_NAME = 'pkce-login';

/** Version 1 had the transactions only; version 2 holds every store. */
const DATABASE_VERSION = 2;

/** The object stores of the database. */
export type ObjectStoreName = 'transactions' | 'sessions' | 'issuers';

const OBJECT_STORES: readonly ObjectStoreName[] = ['transactions', 'sessions', 'issuers'];

/** The page's connection, opened or opening; none before the first use or after a close. */
let connection: Promise<IDBDatabase> | undefined;

function forget(opened: Promise<IDBDatabase>): void {
  if (connection === opened) connection = undefined;
}

/**
 * The page's connection to the database, opened (and created or upgraded) on first use. Rejects
 * where IndexedDB is missing or refuses; never throws.
 */
export function openDatabase(): Promise<IDBDatabase> {
  if (connection) return connection;
  // A throwing `indexedDB.open` (disabled storage) rejects, like a failing one.
  let upgraded = false;
  const request = new Promise<IDBDatabase>((resolve, reject) => {
    const open = indexedDB.open(DATABASE_NAME, DATABASE_VERSION);
    open.onupgradeneeded = () => {
      upgraded = true;
      const db = open.result;
      for (const name of OBJECT_STORES) if (!db.objectStoreNames.contains(name)) db.createObjectStore(name);
    };
    promisifyRequest(open).then(resolve, reject);
  });
  const opened: Promise<IDBDatabase> = request.then(async (db) => {
    // Once, at creation or upgrade: the records of earlier builds' databases move in first.
    if (upgraded) await migrateLegacyDatabases(db);
    // Another tab upgrades or deletes the database: let it, and open again at the next use.
    db.onversionchange = () => {
      db.close();
      forget(opened);
    };
    // Closed by the browser (site data cleared): open again at the next use.
    db.onclose = () => forget(opened);
    return db;
  });
  opened.catch(() => forget(opened));
  return (connection = opened);
}

/**
 * An idb-keyval store for one object store of the database, over the page's connection.
 *
 * @param name the object store
 */
export function objectStore(name: ObjectStoreName): UseStore {
  return (mode, callback) => openDatabase().then((db) => callback(db.transaction(name, mode).objectStore(name)));
}

/**
 * Closes the page's connection (the next use opens a new one). For tests that delete the
 * database or replace `indexedDB.open`.
 *
 * @internal
 */
export function closeDatabase(): void {
  const opened = connection;
  connection = undefined;
  void opened?.then(
    (db) => db.close(),
    () => undefined,
  );
}
