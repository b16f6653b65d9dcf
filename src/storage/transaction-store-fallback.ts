/**
 * Where IndexedDB is missing, throws, or hangs (blocked upgrades, some private windows), login
 * transactions go to `sessionStorage`, enough for a same-tab redirect login. A callback looks in
 * every store. (Memory is no fallback for a redirect login: it does not survive the page.)
 *
 * No DOM beyond the Web Storage object passed in; no network.
 *
 * @packageDocumentation
 */

import { isTransactionRecord, type TransactionStore } from './transaction-store.js';

/** How long an IndexedDB operation may take before the next store is tried. */
const STORE_TIMEOUT_MS = 3000;

/** A {@link TransactionStore} over a Web Storage object (`sessionStorage`), one key per `state`. */
export function webStorageTransactionStore(storage: () => Storage): TransactionStore {
  const key = (state: string) => `pkce-login:${state}`;
  return {
    // eslint-disable-next-line @typescript-eslint/require-await -- async: a throwing Web Storage (SecurityError, quota) rejects
    async put(record) {
      storage().setItem(key(record.state), JSON.stringify(record));
    },
    // eslint-disable-next-line @typescript-eslint/require-await -- async: a throwing Web Storage rejects, as in put
    async consume(state, owner, now = Date.now()) {
      const raw = storage().getItem(key(state));
      if (raw === null) return undefined;
      let record: unknown;
      try {
        record = JSON.parse(raw);
      } catch {
        // corrupt: removed below
      }
      // A record filed under another state than its own is as corrupt as an unreadable one.
      const valid = isTransactionRecord(record) && record.state === state ? record : undefined;
      if (valid && (valid.issuer !== owner.issuer || valid.clientId !== owner.clientId)) {
        return null;
      }
      storage().removeItem(key(state));
      return valid && valid.expiresAt > now ? valid : undefined;
    },
  };
}

/** `operation`, or a rejection once {@link STORE_TIMEOUT_MS} have passed without an answer. */
export function withTimeout<T>(operation: () => Promise<T>): Promise<T> {
  return Promise.race([
    operation(),
    // The rejection is only ever caught: it needs no message.
    new Promise<never>((_, reject) => setTimeout(reject, STORE_TIMEOUT_MS)),
  ]);
}

/**
 * Tries each store in order: `put` writes to the first that works; `consume` takes the record
 * from the first store that has it. The first store is created at once, the others when needed;
 * one that throws on creation (no `indexedDB` at all) is simply skipped.
 *
 * @throws from `put` only when no store at all could hold the record
 */
export function fallbackTransactionStore(factories: (() => TransactionStore)[]): TransactionStore {
  const stores: (TransactionStore | undefined)[] = [];
  const store = (i: number) => (stores[i] ??= factories[i]!());
  try {
    // The first store now, so that it opens early (a callback page reads it at once).
    store(0);
  } catch {
    // unusable: skipped at each use
  }
  return {
    async put(record) {
      let failure: unknown;
      for (let i = 0; i < factories.length; i++) {
        try {
          return await withTimeout(() => store(i).put(record));
        } catch (error) {
          failure = error;
        }
      }
      throw failure;
    },
    async consume(state, owner, now) {
      let foreign: null | undefined;
      for (let i = 0; i < factories.length; i++) {
        try {
          const record = await withTimeout(() => store(i).consume(state, owner, now));
          if (record) return record;
          if (record === null) foreign = null;
        } catch {
          // this store is unusable: try the next one
        }
      }
      return foreign;
    },
  };
}
