/// <reference types="mocha" />
/**
 * Issue 3 §5, clock skew: the `clock-tolerance` leeway (default 60 s) is honoured, and a device
 * clock far off the provider's gives one clear `clock_skew` error, not `id_token_invalid`, and no
 * login loop (no second token request, no navigation).
 *
 * The device clock is moved with sinon's fake timers faking `Date` only (timers, IndexedDB and
 * AbortSignal.timeout keep real time); the provider's clock is the real time, read from
 * `performance`, which the fake does not touch.
 *
 * The fake provider's token responses carry a `Date` header with its clock, as a real provider's
 * do (readable when the provider exposes it): without the provider's clock, an ID token that
 * looks expired is a stale token (`id_token_invalid`), not evidence of an off clock (issue 12,
 * finding 7a; see token-response.test.ts).
 */
import { expect } from '@open-wc/testing';
import sinon from 'sinon';
import { pageWith, setAddress, withResponse } from '../helpers/address.js';
import { describeLog, ofType } from '../helpers/events.js';
import {
  create,
  DEFAULT_ATTRIBUTES,
  expectOneError,
  expectSignedIn,
  mount,
  settle,
  untilLoginOrError,
  untilStatus,
  useHarness,
} from '../helpers/element.js';
import { nowSeconds } from '../helpers/jwt.js';
import { installFakeProvider, ISSUER, json, TOKEN_ENDPOINT, tokenBody, type FakeProvider } from '../helpers/provider.js';
import { seedTransaction, storedTransaction } from '../helpers/transactions.js';

/** The provider's clock: the real time, in epoch seconds, whatever `Date` says. */
function providerSeconds(): number {
  return Math.floor((performance.timeOrigin + performance.now()) / 1000);
}

/** The `Date` header of a response sent at epoch `seconds` (RFC 9110 §6.6.1). */
function dateHeader(seconds: number): Record<string, string> {
  return { date: new Date(seconds * 1000).toUTCString() };
}

/** Sets the device clock `offsetMs` off the real time; it keeps running. */
function setDeviceClock(offsetMs: number): sinon.SinonFakeTimers {
  return sinon.useFakeTimers({
    now: performance.timeOrigin + performance.now() + offsetMs,
    toFake: ['Date'],
    shouldAdvanceTime: true,
    advanceTimeDelta: 5,
  });
}

const HOUR = 3_600_000;

/**
 * A whole login on a device whose clock is `offsetMs` off the provider's: the click stores a
 * transaction (in device time) and navigates; the provider redirects back and its token endpoint
 * issues an ID token in its own time.
 */
async function loginWithDeviceClock(offsetMs: number) {
  let nonce: string | undefined;
  const provider = installFakeProvider({
    [TOKEN_ENDPOINT]: () => {
      const now = providerSeconds();
      return json(tokenBody(nonce, { claims: { iat: now, exp: now + 3600, auth_time: now } }), 200, dateHeader(now));
    },
  });
  const clock = setDeviceClock(offsetMs);
  try {
    const first = await mount();
    await untilStatus(first.el, 'signed-out');
    await first.el.login();
    expect(ofType(first.events, 'error'), describeLog(first.events)).to.have.length(0);
    const authorization = first.el.navigated[0]!;
    const state = authorization.searchParams.get('state')!;
    nonce = authorization.searchParams.get('nonce') ?? undefined;
    first.el.remove();

    const page = pageWith();
    setAddress(withResponse(page, { code: 'the-code', state, iss: ISSUER }));
    const second = await mount();
    await untilLoginOrError(second.events);
    // Long enough for a retry loop to show itself.
    await settle(500);
    await second.el.updateComplete;
    return { ...second, provider, state, page };
  } finally {
    clock.restore();
  }
}

function expectNoLoop(outcome: { el: { navigated: URL[] }; provider: FakeProvider }): void {
  expect(outcome.provider.to(TOKEN_ENDPOINT), 'token requests').to.have.length(1);
  expect(outcome.el.navigated, 'navigations after the callback').to.have.length(0);
}

describe('<pkce-login> clock skew', () => {
  useHarness();

  describe('device clock far off the provider', () => {
    it('should report clock_skew, not id_token_invalid, with the device clock 2 hours ahead, and not loop', async () => {
      const outcome = await loginWithDeviceClock(2 * HOUR);
      const { message } = expectOneError(outcome, 'clock_skew');
      expect(message).to.match(/\b7[12]\d\d s\b/);
      expectNoLoop(outcome);
      expect(location.href).to.equal(outcome.page.href);
      expect(await storedTransaction(outcome.state)).to.equal(undefined);
    });

    it('should report clock_skew with the device clock 2 hours behind, and not loop', async () => {
      const outcome = await loginWithDeviceClock(-2 * HOUR);
      const { message } = expectOneError(outcome, 'clock_skew');
      expect(message).to.match(/\b7[12]\d\d s\b/);
      expectNoLoop(outcome);
    });

    it('should report clock_skew with the device clock a day ahead', async () => {
      const outcome = await loginWithDeviceClock(24 * HOUR);
      expectOneError(outcome, 'clock_skew');
      expectNoLoop(outcome);
    });

    for (const offset of [30_000, -30_000]) {
      it(`should sign in with the device clock ${offset / 1000} s off (within the default 60 s)`, async () => {
        const outcome = await loginWithDeviceClock(offset);
        expectSignedIn(outcome);
        expect(outcome.provider.to(TOKEN_ENDPOINT)).to.have.length(1);
      });
    }

    it('should complete a new login once the device clock is corrected after clock_skew', async () => {
      const outcome = await loginWithDeviceClock(2 * HOUR);
      expectOneError(outcome, 'clock_skew');
      // The clock is right again (loginWithDeviceClock restored it): the user clicks Log in.
      await outcome.el.login();
      const authorization = outcome.el.navigated[0]!;
      outcome.el.remove();
      outcome.provider.stub.restore();
      const nonce = authorization.searchParams.get('nonce') ?? undefined;
      const provider = installFakeProvider({ [TOKEN_ENDPOINT]: () => json(tokenBody(nonce)) });
      setAddress(withResponse(outcome.page, { code: 'the-code', state: authorization.searchParams.get('state')!, iss: ISSUER }));
      const retried = await mount();
      await untilLoginOrError(retried.events);
      expectSignedIn(retried);
      expect(provider.to(TOKEN_ENDPOINT)).to.have.length(1);
    });
  });

  describe('clock-tolerance', () => {
    /** `providerOffset`: the provider's clock, seconds off this device's, sent as its `Date` header. */
    async function callback(claims: Record<string, unknown>, attributes: Record<string, string> = DEFAULT_ATTRIBUTES, providerOffset?: number) {
      const record = await seedTransaction();
      const page = pageWith();
      setAddress(withResponse(page, { code: 'the-code', state: record.state, iss: ISSUER }));
      const headers = providerOffset === undefined ? {} : dateHeader(nowSeconds() + providerOffset);
      const provider = installFakeProvider({ [TOKEN_ENDPOINT]: () => json(tokenBody(record.nonce, { claims }), 200, headers) });
      const mounted = await mount(attributes);
      await untilLoginOrError(mounted.events);
      await settle();
      return { ...mounted, provider };
    }

    // A token that expires as the provider sends it, from a provider whose clock is 30 s behind
    // this device's (its Date header says so): expired 30 s ago by this device's clock.
    const expired30sAgo = () => ({ iat: nowSeconds() - 3630, exp: nowSeconds() - 30 });
    const PROVIDER_30S_BEHIND = -30;
    const issued30sAhead = () => ({ iat: nowSeconds() + 30, exp: nowSeconds() + 3630 });

    it('should accept an ID token that expired 30 s ago with the default tolerance (60 s)', async () => {
      expectSignedIn(await callback(expired30sAgo(), DEFAULT_ATTRIBUTES, PROVIDER_30S_BEHIND));
    });

    it('should refuse an ID token that expired 30 s ago with clock-tolerance="10": clock_skew', async () => {
      const outcome = await callback(expired30sAgo(), { ...DEFAULT_ATTRIBUTES, 'clock-tolerance': '10' }, PROVIDER_30S_BEHIND);
      const { message } = expectOneError(outcome, 'clock_skew');
      expect(message).to.include('tolerance 10 s');
      expect(outcome.provider.to(TOKEN_ENDPOINT)).to.have.length(1);
    });

    it('should accept an ID token that expired 30 s ago with clock-tolerance="45"', async () => {
      expectSignedIn(await callback(expired30sAgo(), { ...DEFAULT_ATTRIBUTES, 'clock-tolerance': '45' }, PROVIDER_30S_BEHIND));
    });

    it('should accept an ID token issued 30 s in the future with the default tolerance', async () => {
      expectSignedIn(await callback(issued30sAhead()));
    });

    it('should refuse an ID token issued 30 s in the future with clock-tolerance="10": clock_skew', async () => {
      const outcome = await callback(issued30sAhead(), { ...DEFAULT_ATTRIBUTES, 'clock-tolerance': '10' });
      const { message } = expectOneError(outcome, 'clock_skew');
      expect(message).to.include('tolerance 10 s');
    });

    it('should refuse an ID token not valid before 30 s from now with clock-tolerance="10": id_token_invalid', async () => {
      // Issued now, valid only later: the token's fault (no provider clock says otherwise).
      const outcome = await callback({ nbf: nowSeconds() + 30 }, { ...DEFAULT_ATTRIBUTES, 'clock-tolerance': '10' });
      const { message } = expectOneError(outcome, 'id_token_invalid');
      expect(message).to.include('nbf').and.include('tolerance 10 s');
    });

    it('should take the clockTolerance property as well as the attribute', async () => {
      const record = await seedTransaction();
      setAddress(withResponse(pageWith(), { code: 'the-code', state: record.state, iss: ISSUER }));
      installFakeProvider({
        [TOKEN_ENDPOINT]: () => json(tokenBody(record.nonce, { claims: expired30sAgo() }), 200, dateHeader(nowSeconds() + PROVIDER_30S_BEHIND)),
      });
      const mounted = create();
      mounted.el.clockTolerance = 10;
      document.body.append(mounted.el);
      await untilLoginOrError(mounted.events);
      await settle();
      expectOneError(mounted, 'clock_skew');
    });

    it('should sign in with clock-tolerance="0" and a fresh token', async () => {
      expectSignedIn(await callback({}, { ...DEFAULT_ATTRIBUTES, 'clock-tolerance': '0' }));
    });

    for (const value of ['-5', 'soon', 'Infinity']) {
      it(`should report invalid_config for clock-tolerance="${value}", naming the attribute`, async () => {
        const provider = installFakeProvider();
        const mounted = await mount({ ...DEFAULT_ATTRIBUTES, 'clock-tolerance': value });
        await untilLoginOrError(mounted.events);
        await settle();
        const errors = ofType(mounted.events, 'error');
        expect(errors, describeLog(mounted.events)).to.have.length(1);
        expect(errors[0]!.detail.code).to.equal('invalid_config');
        expect(errors[0]!.detail.message).to.include('clock-tolerance');
        expect(provider.requests).to.have.length(0);
      });
    }
  });
});
