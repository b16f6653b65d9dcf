/**
 * Where a signed-in session lives between page loads: IndexedDB for `session="persistent"`,
 * nowhere for `session="memory"`. One record per client (issuer + client id), shared by every
 * tab of the origin.
 *
 * No DOM; no network.
 *
 * @packageDocumentation
 */

import { del, get, set, update, type UseStore } from 'idb-keyval';
import type { ServerMetadata, TokenSet } from '../protocol/protocol.js';
import type { ApiToken } from '../session/session-keeper.js';
import { objectStore } from './database.js';
import { withTimeout } from './transaction-store-fallback.js';

/** A session as stored. The DPoP key pair's private half is not extractable. */
export interface StoredSession {
  /** Record format; a record of another version is treated as absent. */
  version: 1;
  /**
   * The issuer and client id of the login that produced the session. A reader configured for
   * another client treats the record as absent, whatever key it was found under.
   */
  issuer: string;
  clientId: string;
  tokens: TokenSet;
  metadata: ServerMetadata;
  /** The key the tokens are bound to, when the provider supports DPoP. */
  dpopKey?: CryptoKeyPair | undefined;
  /** The access tokens of APIs (see `SessionKeeper.apiToken`); absent in older records. */
  apiTokens?: Record<string, ApiToken> | undefined;
}

/** Reads and writes sessions by client key (see `sessionKey`); never rejects. */
export interface SessionStore {
  get(key: string): Promise<StoredSession | undefined>;
  set(key: string, session: StoredSession): Promise<unknown>;
  /**
   * Stores `session` and resolves to the record it replaced, in one read-write IndexedDB
   * transaction (one wait, however slow the database: see `withTimeout`).
   */
  replace(key: string, session: StoredSession): Promise<StoredSession | undefined>;
  delete(key: string): Promise<unknown>;
}

/** True when `value` has the shape of a {@link StoredSession}. */
function isStoredSession(value: unknown): value is StoredSession {
  const s = value as Partial<StoredSession> | null | undefined;
  return (
    s?.version === 1 &&
    typeof s.issuer === 'string' &&
    typeof s.clientId === 'string' &&
    typeof s.tokens?.accessToken === 'string' &&
    typeof s.metadata?.issuer === 'string'
  );
}

/**
 * A {@link SessionStore} over IndexedDB (object store `sessions` of the element's database, on
 * the page's connection). It never rejects: where IndexedDB fails or hangs, sessions are simply
 * not kept (`get` finds nothing).
 *
 * @param store an idb-keyval store; tests pass their own database
 */
export function indexedDbSessionStore(store: UseStore = objectStore('sessions')): SessionStore {
  // An IndexedDB that hangs (a blocked upgrade) counts as one that fails.
  const run = <T>(operation: (store: UseStore) => Promise<T>) => withTimeout(async () => operation(store)).catch(() => undefined);
  return {
    get: (key) => run((s) => get(key, s)).then((value) => (isStoredSession(value) ? value : undefined)),
    set: (key, session) => run((s) => set(key, session, s)),
    replace: async (key, session) => {
      let replaced: unknown;
      await run((s) =>
        update(
          key,
          (old) => {
            replaced = old;
            return session;
          },
          s,
        ),
      );
      return isStoredSession(replaced) ? replaced : undefined;
    },
    delete: (key) => run((s) => del(key, s)),
  };
}

/** A {@link SessionStore} that keeps nothing: `session="memory"`. */
export const noSessionStore: SessionStore = {
  get: () => Promise.resolve(undefined),
  set: () => Promise.resolve(),
  replace: () => Promise.resolve(undefined),
  delete: () => Promise.resolve(),
};
