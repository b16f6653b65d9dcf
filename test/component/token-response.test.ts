/// <reference types="mocha" />
/**
 * Security review (issue 12) finding 7: wrong error codes and odd values in token responses,
 * through the element's own callback (a stored transaction, the token endpoint stubbed).
 *
 * (a) A stale ID token is `id_token_invalid`, not `clock_skew`: the device clock is blamed only
 *     on evidence, the token response's `Date` header (the provider's clock) when it is readable,
 *     else only for a token issued in the future.
 * (b) An absurd `expires_in` (1e308) gives a finite `expiresAt`, at most a year ahead.
 * (c) A DPoP-proofed token request answered with `token_type: Bearer` is refused
 *     (`invalid_response`, RFC 9449 §5): the element relies on the binding it asked for.
 */
import { expect } from '@open-wc/testing';
import { createDpopKey } from '../../src/protocol/protocol.js';
import type { TransactionRecord } from '../../src/storage/transaction-store.js';
import { pageWith, setAddress, withResponse } from '../helpers/address.js';
import { ofType } from '../helpers/events.js';
import { expectOneError, expectSignedIn, mount, settle, untilLoginOrError, useHarness, type Mounted } from '../helpers/element.js';
import { nowSeconds } from '../helpers/jwt.js';
import { installFakeProvider, ISSUER, json, providerMetadata, TOKEN_ENDPOINT, tokenBody, type FakeProvider } from '../helpers/provider.js';
import { seedTransaction, storedTransaction } from '../helpers/transactions.js';

const HOUR = 3600;
/** The longest token lifetime the element believes (MAX_EXPIRES_IN_S in src/protocol/protocol.ts): one year. */
const ONE_YEAR_S = 365 * 24 * HOUR;

/** An HTTP `Date` header value (RFC 9110 §5.6.7) for epoch `seconds`. */
function httpDate(seconds: number): string {
  return new Date(seconds * 1000).toUTCString();
}

interface Outcome extends Mounted {
  provider: FakeProvider;
  record: TransactionRecord;
}

/**
 * A callback for a stored transaction whose token endpoint answers an ID token with `claims`,
 * the body members `body`, and the response headers `headers` (a `date`, for the provider's
 * clock). `seed` changes the stored transaction.
 */
async function callback(
  options: {
    claims?: Record<string, unknown>;
    body?: Record<string, unknown>;
    headers?: Record<string, string>;
    seed?: Parameters<typeof seedTransaction>[0];
  } = {},
): Promise<Outcome> {
  const record = await seedTransaction(options.seed);
  setAddress(withResponse(pageWith(), { code: 'the-code', state: record.state, iss: ISSUER }));
  const provider = installFakeProvider({
    [TOKEN_ENDPOINT]: () => json(tokenBody(record.nonce, { claims: options.claims, body: options.body }), 200, options.headers),
  });
  const mounted = await mount();
  await untilLoginOrError(mounted.events);
  await settle();
  return { ...mounted, provider, record };
}

describe('token responses (issue 12, finding 7)', () => {
  useHarness();

  describe('(a) a stale ID token is id_token_invalid; clock_skew needs evidence', () => {
    const stale = () => ({ iat: nowSeconds() - 3 * HOUR, exp: nowSeconds() - 2 * HOUR });

    it('should report a stale ID token (exp two hours past) as id_token_invalid when the provider clock is unknown', async () => {
      const outcome = await callback({ claims: stale() });
      const { message } = expectOneError(outcome, 'id_token_invalid');
      expect(message).to.match(/expired 72\d\d s ago/).and.include('exp').and.include('no readable Date header');
      expect(outcome.provider.to(TOKEN_ENDPOINT)).to.have.length(1);
    });

    it("should report a stale ID token as id_token_invalid when the provider's Date agrees with this device", async () => {
      const outcome = await callback({ claims: stale(), headers: { date: httpDate(nowSeconds()) } });
      const { message } = expectOneError(outcome, 'id_token_invalid');
      expect(message).to.match(/expired 72\d\d s ago/);
      expect(message).not.to.include('Date header');
    });

    it("should report clock_skew for a token fresh by the provider's Date, expired by this device's clock (2 hours ahead)", async () => {
      const providerNow = nowSeconds() - 2 * HOUR;
      const outcome = await callback({ claims: { iat: providerNow, exp: providerNow + HOUR }, headers: { date: httpDate(providerNow) } });
      const { message } = expectOneError(outcome, 'clock_skew');
      expect(message).to.match(/\b7[12]\d\d s ahead of the provider's/);
    });

    it("should report a token expired by the provider's own clock as id_token_invalid, however far off this device is", async () => {
      const providerNow = nowSeconds() - 2 * HOUR;
      const outcome = await callback({
        claims: { iat: providerNow - 2 * HOUR, exp: providerNow - HOUR },
        headers: { date: httpDate(providerNow) },
      });
      expectOneError(outcome, 'id_token_invalid');
    });

    it('should report an ID token issued an hour in the future as clock_skew when the provider clock is unknown', async () => {
      const outcome = await callback({ claims: { iat: nowSeconds() + HOUR, exp: nowSeconds() + 2 * HOUR } });
      const { message } = expectOneError(outcome, 'clock_skew');
      expect(message).to.match(/\b3[56]\d\d s behind the provider's/);
    });

    it("should report an ID token issued an hour in the future by the provider's own Date as id_token_invalid", async () => {
      const outcome = await callback({
        claims: { iat: nowSeconds() + HOUR, exp: nowSeconds() + 2 * HOUR },
        headers: { date: httpDate(nowSeconds()) },
      });
      const { message } = expectOneError(outcome, 'id_token_invalid');
      expect(message).to.match(/issued 3[56]\d\d s in the future/);
    });

    it('should report an ID token not valid for another hour (nbf) as id_token_invalid when the provider clock is unknown', async () => {
      const outcome = await callback({ claims: { nbf: nowSeconds() + HOUR } });
      const { message } = expectOneError(outcome, 'id_token_invalid');
      expect(message).to.include('nbf');
    });

    it("should report clock_skew for an auth_time within max_age by the provider's Date, too old by this device's clock", async () => {
      const providerNow = nowSeconds() - HOUR;
      const outcome = await callback({
        claims: { iat: providerNow, exp: providerNow + 3 * HOUR, auth_time: providerNow - 10 },
        headers: { date: httpDate(providerNow) },
        seed: { record: { maxAge: 300 } },
      });
      expectOneError(outcome, 'clock_skew');
    });

    it("should report an auth_time too old by the provider's Date as id_token_invalid", async () => {
      const outcome = await callback({
        claims: { auth_time: nowSeconds() - HOUR },
        headers: { date: httpDate(nowSeconds()) },
        seed: { record: { maxAge: 300 } },
      });
      const { message } = expectOneError(outcome, 'id_token_invalid');
      expect(message).to.include('max_age=300');
    });

    it('should ignore an unparseable Date header (provider clock unknown)', async () => {
      const outcome = await callback({ claims: stale(), headers: { date: 'yesterday, around noon' } });
      expectOneError(outcome, 'id_token_invalid');
    });
  });

  describe('(b) an absurd expires_in', () => {
    for (const expiresIn of [1e308, 1e300, ONE_YEAR_S * 10]) {
      it(`should clamp expires_in ${expiresIn} to ${ONE_YEAR_S} s (one year): a finite expiresAt`, async () => {
        const before = Date.now();
        const outcome = await callback({ body: { expires_in: expiresIn } });
        expectSignedIn(outcome);
        const { expiresAt } = ofType(outcome.events, 'token')[0]!.detail as { expiresAt: number };
        expect(Number.isFinite(expiresAt), `expiresAt ${expiresAt}`).to.equal(true);
        expect(expiresAt).to.be.within(before + ONE_YEAR_S * 1000, Date.now() + ONE_YEAR_S * 1000);
        expect(await outcome.el.getAccessToken()).to.be.a('string');
      });
    }

    it('should keep a sane expires_in as it is', async () => {
      const before = Date.now();
      const outcome = await callback({ body: { expires_in: 300 } });
      const { expiresAt } = ofType(outcome.events, 'token')[0]!.detail as { expiresAt: number };
      expect(expiresAt).to.be.within(before + 300_000, Date.now() + 300_000);
    });
  });

  describe('(c) a DPoP-proofed token request answered with a Bearer token', () => {
    const dpopMetadata = () => providerMetadata({ dpop_signing_alg_values_supported: ['ES256'] });

    it('should refuse token_type Bearer: invalid_response (RFC 9449 §5), no session', async () => {
      const outcome = await callback({ body: { token_type: 'Bearer' }, seed: { metadata: dpopMetadata(), record: { dpopKey: await createDpopKey() } } });
      const requests = outcome.provider.to(TOKEN_ENDPOINT);
      expect(requests, 'token requests').to.have.length(1);
      expect(requests[0]!.headers.has('dpop'), 'the token request carried a DPoP proof').to.equal(true);
      const { message } = expectOneError(outcome, 'invalid_response');
      expect(message).to.include('DPoP').and.include('Bearer').and.include('RFC 9449');
      expect(await storedTransaction(outcome.record.state)).to.equal(undefined);
      let rejected: unknown;
      await outcome.el.getAccessToken().catch((error: unknown) => (rejected = error));
      expect(rejected, 'no access token').to.not.equal(undefined);
    });

    it('should sign in with token_type DPoP, reported as DPoP', async () => {
      const outcome = await callback({ body: { token_type: 'DPoP' }, seed: { metadata: dpopMetadata(), record: { dpopKey: await createDpopKey() } } });
      expectSignedIn(outcome);
      expect(ofType(outcome.events, 'token')[0]!.detail.tokenType).to.equal('DPoP');
    });

    it('should accept Bearer when no DPoP proof was sent (a provider without DPoP)', async () => {
      const outcome = await callback({ body: { token_type: 'Bearer' } });
      expect(outcome.provider.to(TOKEN_ENDPOINT)[0]!.headers.has('dpop')).to.equal(false);
      expectSignedIn(outcome);
    });
  });
});
