/**
 * The {@link PkceLoginError} a promise rejects with; fails the test if it resolves or rejects
 * with anything else.
 */
import { expect } from '@open-wc/testing';
import { PkceLoginError } from '../../src/errors.js';

export async function rejection(promise: Promise<unknown>): Promise<PkceLoginError> {
  try {
    await promise;
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(PkceLoginError);
    return error as PkceLoginError;
  }
  throw new Error('expected a rejection');
}
