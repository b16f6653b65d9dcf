/// <reference types="mocha" />
/**
 * Security review (issue 12) finding 7, on the protocol adapter and the renewal timer alone:
 * refreshTokens names a stale ID token and a Bearer answer to a DPoP proof as exchangeCode does,
 * and RenewalSchedule reaches a renewal further away than setTimeout's 2^31-1 ms limit without
 * firing early.
 */
import { expect } from '@open-wc/testing';
import sinon from 'sinon';
import { resolveConfig } from '../../src/protocol/config.js';
import { PkceLoginError } from '../../src/errors.js';
import { createDpopKey, dpopHandle, refreshTokens, type ServerMetadata, type TokenSet } from '../../src/protocol/protocol.js';
import { RenewalSchedule } from '../../src/session/renewal-schedule.js';
import { nowSeconds, unsignedJwt } from '../helpers/jwt.js';
import { CLIENT_ID, idTokenClaims, installFakeProvider, ISSUER, json, providerMetadata, SUB, TOKEN_ENDPOINT } from '../helpers/provider.js';

const config = resolveConfig({ issuer: ISSUER, clientId: CLIENT_ID }, new URL('https://app.example/'));
const metadata = providerMetadata({ dpop_signing_alg_values_supported: ['ES256'] }) as ServerMetadata;
const DAY_MS = 86_400_000;
/** The longest token lifetime the element believes (MAX_EXPIRES_IN_S in src/protocol/protocol.ts): one year. */
const ONE_YEAR_S = 365 * 86_400;
const TIMER_LIMIT_MS = 2 ** 31 - 1;

function tokens(): TokenSet {
  const now = Date.now();
  return {
    accessToken: 'old-access',
    tokenType: 'Bearer',
    expiresAt: now,
    receivedAt: now - 3_600_000,
    scope: 'openid',
    idToken: undefined,
    refreshToken: 'the-refresh-token',
    claims: { sub: SUB },
  };
}

async function refreshFailure(body: Record<string, unknown>, headers: Record<string, string> = {}, dpop = false): Promise<PkceLoginError> {
  installFakeProvider({ [TOKEN_ENDPOINT]: () => json(body, 200, headers) });
  const handle = dpop ? dpopHandle(config, await createDpopKey()) : undefined;
  try {
    await refreshTokens(config, metadata, tokens(), handle);
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(PkceLoginError);
    return error as PkceLoginError;
  }
  throw new Error('expected a rejection');
}

describe('refreshTokens (issue 12, finding 7)', () => {
  afterEach(() => sinon.restore());

  it('should report a stale refreshed ID token as id_token_invalid, not clock_skew', async () => {
    const idToken = unsignedJwt(idTokenClaims(undefined, { iat: nowSeconds() - 3 * 3600, exp: nowSeconds() - 2 * 3600 }));
    const error = await refreshFailure({ access_token: 'a', token_type: 'Bearer', id_token: idToken });
    expect(error.code, error.message).to.equal('id_token_invalid');
  });

  it("should report clock_skew for a refreshed ID token fresh by the provider's Date", async () => {
    const providerNow = nowSeconds() - 2 * 3600;
    const idToken = unsignedJwt(idTokenClaims(undefined, { iat: providerNow, exp: providerNow + 3600 }));
    const error = await refreshFailure({ access_token: 'a', token_type: 'Bearer', id_token: idToken }, { date: new Date(providerNow * 1000).toUTCString() });
    expect(error.code, error.message).to.equal('clock_skew');
  });

  it('should refuse a Bearer token in answer to a DPoP-proofed refresh: invalid_response', async () => {
    const error = await refreshFailure({ access_token: 'a', token_type: 'Bearer', expires_in: 300 }, {}, true);
    expect(error.code, error.message).to.equal('invalid_response');
    expect(error.message).to.include('RFC 9449');
  });

  it('should read a refresh response without token_type as Bearer when no DPoP proof was sent (issue 13.8, OpenAuth)', async () => {
    installFakeProvider({ [TOKEN_ENDPOINT]: () => json({ access_token: 'renewed', expires_in: 300, refresh_token: 'next' }) });
    const renewed = await refreshTokens(config, metadata, tokens());
    expect(renewed).to.include({ accessToken: 'renewed', tokenType: 'Bearer', refreshToken: 'next' });
  });

  it('should refuse a refresh response without token_type to a DPoP-proofed request: invalid_response (issue 13.8)', async () => {
    const error = await refreshFailure({ access_token: 'a', expires_in: 300 }, {}, true);
    expect(error.code, error.message).to.equal('invalid_response');
    expect(error.message).to.include('token_type');
  });

  it('should clamp a refreshed expires_in of 1e308', async () => {
    installFakeProvider({ [TOKEN_ENDPOINT]: () => json({ access_token: 'a', token_type: 'Bearer', expires_in: 1e308 }) });
    const renewed = await refreshTokens(config, metadata, tokens());
    expect(renewed.expiresAt - renewed.receivedAt).to.equal(ONE_YEAR_S * 1000);
  });
});

describe('RenewalSchedule beyond the timer limit (issue 12, finding 7b)', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 1_000_000, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => clock.restore());

  it('should not renew at once for a moment a year away', () => {
    let calls = 0;
    const schedule = new RenewalSchedule(() => calls++);
    schedule.schedule(Date.now() + 365 * DAY_MS);
    clock.tick(1000);
    expect(calls).to.equal(0);
    schedule.stop();
  });

  it('should renew at a moment 60 days away, past the first 2^31-1 ms timer, and not before', () => {
    let calls = 0;
    const schedule = new RenewalSchedule(() => calls++);
    const due = Date.now() + 60 * DAY_MS;
    schedule.schedule(due);
    clock.tick(TIMER_LIMIT_MS + 1);
    expect(calls, 'after the first timer').to.equal(0);
    clock.tick(due - Date.now() - 1);
    expect(calls, 'just before').to.equal(0);
    clock.tick(1);
    expect(calls, 'when due').to.equal(1);
    schedule.stop();
  });

  for (const due of [Infinity, NaN]) {
    it(`should never renew, nor spin, for a moment of ${due}`, () => {
      let calls = 0;
      const schedule = new RenewalSchedule(() => calls++);
      schedule.schedule(due);
      clock.tick(3 * TIMER_LIMIT_MS);
      expect(calls).to.equal(0);
      expect(clock.countTimers(), 'pending timers').to.be.at.most(1);
      schedule.stop();
    });
  }
});
