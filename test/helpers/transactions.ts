/**
 * The element's own transaction store (`indexedDbTransactionStore()`: database `pkce-login`,
 * object store `transactions`), for seeding what `login()` would have written before the
 * provider redirected back.
 */

import { clear, get, set } from 'idb-keyval';
import { objectStore } from '../../src/storage/database.js';
import { resolveConfig } from '../../src/protocol/config.js';
import { createAuthorizationRequest, type ServerMetadata } from '../../src/protocol/protocol.js';
import type { TransactionRecord } from '../../src/storage/transaction-store.js';
import { CLIENT_ID, ISSUER, providerMetadata } from './provider.js';

export const elementStore = objectStore('transactions');

/**
 * Stores a transaction as `login()` on this page would have, and returns it. The redirect URI
 * is the page's origin and path, the element's default.
 */
export async function seedTransaction(
  options: { returnTo?: string; metadata?: Record<string, unknown>; record?: Partial<TransactionRecord> } = {},
): Promise<TransactionRecord> {
  const config = resolveConfig({ issuer: ISSUER, clientId: CLIENT_ID }, new URL(location.href));
  const { record } = await createAuthorizationRequest(config, {
    metadata: (options.metadata ?? providerMetadata()) as ServerMetadata,
    returnTo: options.returnTo,
  });
  const stored = { ...record, ...options.record };
  await set(stored.state, stored, elementStore);
  return stored;
}

/** The element's stored transaction for `state`, if any. */
export function storedTransaction(state: string): Promise<TransactionRecord | undefined> {
  return get(state, elementStore);
}

/** Empties the element's store. */
export function clearTransactions(): Promise<void> {
  return clear(elementStore);
}
