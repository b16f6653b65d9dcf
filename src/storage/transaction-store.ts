/**
 * The login transaction store: one record per login attempt, in IndexedDB (idb-keyval), keyed by
 * `state`, expiring after ten minutes, taken out exactly once.
 *
 * Records are keyed by `state` rather than kept in one slot, so parallel logins in several tabs
 * never overwrite each other. A record is consumed in a single read-write IndexedDB transaction
 * (read, check, delete), so two callers racing for the same `state` get it at most once: IndexedDB
 * serialises read-write transactions on one store, so the second reads after the first commits.
 *
 * No DOM; no network.
 *
 * @packageDocumentation
 */

import { promisifyRequest, type UseStore } from 'idb-keyval';
import type { ServerMetadata } from '../protocol/protocol.js';
import { objectStore, openDatabase } from './database.js';

/** What the callback needs to finish a login without another discovery request. */
export interface TransactionRecord {
  /** Record format; a record of another version is treated as absent. */
  version: 1;
  state: string;
  codeVerifier: string;
  /** Present when `openid` was asked for. */
  nonce: string | undefined;
  issuer: string;
  clientId: string;
  redirectUri: string;
  /** The provider's endpoints and capabilities, so the callback needs no discovery. */
  metadata: ServerMetadata;
  /** Same-origin URL the page should land on after the callback. */
  returnTo: string | undefined;
  /** The DPoP key the code is bound to (`dpop_jkt`); lost where records cannot hold keys (sessionStorage). */
  dpopKey?: CryptoKeyPair | undefined;
  /** The `max_age` sent (seconds), when one was: the ID token's `auth_time` is checked against it. */
  maxAge?: number | undefined;
  /** The `acr_values` sent, when they were: the ID token's `acr` must be one of them (RFC 9470 step-up). */
  acrValues?: string[] | undefined;
  /** The `organization` sent, when one was: the ID token's `org_id` or `org_name` must name it. */
  organization?: string | undefined;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch milliseconds; past this the record is refused. */
  expiresAt: number;
}

/** Reads and writes login transactions. */
export interface TransactionStore {
  /** Stores a record under its `state`; resolves once the write is committed. */
  put(record: TransactionRecord): Promise<void>;
  /**
   * Takes the record for `state` out of the store, if it exists, belongs to `owner` and has not
   * expired. Whatever the outcome, the record for `state` is gone afterwards, unless it belongs
   * to another client: then it stays, for another element on the page, and `null` says so.
   * Abandoned logins (expired or unreadable records) are purged in the same IndexedDB
   * transaction, after the record is read.
   */
  consume(state: string, owner: { issuer: string; clientId: string }, now?: number): Promise<TransactionRecord | null | undefined>;
}

/** True when `value` has the shape of a {@link TransactionRecord} (not a corrupt or foreign entry). */
export function isTransactionRecord(value: unknown): value is TransactionRecord {
  const r = value as Partial<TransactionRecord> | null | undefined;
  return (
    r?.version === 1 &&
    [r.state, r.codeVerifier, r.issuer, r.clientId, r.redirectUri].every((v) => typeof v === 'string') &&
    typeof r.expiresAt === 'number' &&
    (r.maxAge === undefined || typeof r.maxAge === 'number') &&
    typeof r.metadata?.issuer === 'string'
  );
}

/** Deletes the records that expired before `now`, or that are not transaction records. */
function purgeAbandoned(s: IDBObjectStore, now: number): void {
  s.openCursor().onsuccess = function () {
    const cursor = this.result;
    if (!cursor) return;
    const value: unknown = cursor.value;
    if (!isTransactionRecord(value) || value.expiresAt <= now) cursor.delete();
    cursor.continue();
  };
}

/**
 * A {@link TransactionStore} over IndexedDB (object store `transactions` of the element's
 * database). The page's connection is opened now rather than at the first use: on a callback
 * page the token request waits for it.
 *
 * @param store an idb-keyval store; tests pass their own database
 */
export function indexedDbTransactionStore(store: UseStore = objectStore('transactions')): TransactionStore {
  void openDatabase().catch(() => undefined);
  return {
    async put(record) {
      await store('readwrite', (s) => {
        s.put(record, record.state);
        // Resolve on commit, not on request success: the page is about to unload. Nothing else
        // in this transaction: the click waits for it (the purge is the callback's, see consume).
        return promisifyRequest(s.transaction);
      });
    },

    consume(state, owner, now = Date.now()) {
      return store('readwrite', async (s) => {
        const value: unknown = await promisifyRequest(s.get(state));
        if (value === undefined) return undefined;
        // A record filed under another state than its own is as corrupt as an unreadable one.
        const record = isTransactionRecord(value) && value.state === state ? value : undefined;
        if (record && (record.issuer !== owner.issuer || record.clientId !== owner.clientId)) {
          return null;
        }
        // No wait for the commit: IndexedDB runs read-write transactions on a store one after
        // the other, so a racing consumer reads the record only after this delete is committed.
        s.delete(state);
        purgeAbandoned(s, now);
        return record && record.expiresAt > now ? record : undefined;
      });
    },
  };
}
