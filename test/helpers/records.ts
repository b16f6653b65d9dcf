/**
 * Transaction records built the way `login()` builds them, without storing them: for tests that
 * put them (or corrupted copies of them) somewhere themselves.
 */

import { resolveConfig } from '../../src/protocol/config.js';
import { createAuthorizationRequest, type ServerMetadata } from '../../src/protocol/protocol.js';
import type { TransactionRecord } from '../../src/storage/transaction-store.js';
import { CLIENT_ID, ISSUER, providerMetadata } from './provider.js';

/** A fresh, valid record of {@link CLIENT_ID} at {@link ISSUER} for this page, with `overrides`. */
export async function buildTransaction(overrides: Partial<TransactionRecord> = {}): Promise<TransactionRecord> {
  const config = resolveConfig({ issuer: ISSUER, clientId: CLIENT_ID }, new URL(location.href));
  const { record } = await createAuthorizationRequest(config, { metadata: providerMetadata() as ServerMetadata });
  return { ...record, ...overrides };
}
