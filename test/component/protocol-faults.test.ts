/// <reference types="mocha" />
/**
 * Issue 3 §4, protocol faults, one test each, through the element's own callback: a real stored
 * transaction, the provider's answers stubbed. Each failure must give exactly one coded `error`,
 * leave the element signed out with an enabled Log in button, leave no unhandled rejection, and
 * make no token request unless a stored transaction existed for the returned `state`.
 */
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import type { TransactionRecord } from '../../src/storage/transaction-store.js';
import { pageWith, setAddress, withResponse } from '../helpers/address.js';
import { describeLog, ofType } from '../helpers/events.js';
import {
  button,
  create,
  expectOneError,
  expectSignedIn,
  expectUsableSignedOut,
  mount,
  settle,
  untilLoginOrError,
  untilNavigated,
  untilStatus,
  useHarness,
  DEFAULT_ATTRIBUTES,
  type Mounted,
} from '../helpers/element.js';
import { nowSeconds } from '../helpers/jwt.js';
import {
  CLIENT_ID,
  DISCOVERY_URL,
  installFakeProvider,
  ISSUER,
  json,
  providerMetadata,
  TOKEN_ENDPOINT,
  tokenBody,
  type FakeProvider,
  type Handler,
} from '../helpers/provider.js';
import { seedTransaction, storedTransaction } from '../helpers/transactions.js';

interface Outcome extends Mounted {
  provider: FakeProvider;
  record: TransactionRecord;
  /** The address without the authorization response. */
  page: URL;
}

/**
 * A callback for a freshly stored transaction: the address carries `response(record)` (by default
 * `code`, `state`, `iss`), the token endpoint answers `token(record)`. Mounts the element and
 * waits for `login` or `error`, then for any background work.
 */
async function callback(
  options: {
    token?: (record: TransactionRecord) => Handler;
    response?: (record: TransactionRecord) => Record<string, string> | URLSearchParams;
    routes?: Record<string, Handler>;
    seed?: Parameters<typeof seedTransaction>[0];
  } = {},
): Promise<Outcome> {
  const record = await seedTransaction(options.seed);
  const page = pageWith({ keep: '1' }, '#h');
  const response = options.response?.(record) ?? { code: 'the-code', state: record.state, iss: ISSUER };
  const address = new URL(page);
  if (response instanceof URLSearchParams) {
    for (const [name, value] of response) address.searchParams.append(name, value);
  } else {
    for (const [name, value] of Object.entries(response)) address.searchParams.append(name, value);
  }
  setAddress(address);
  const provider = installFakeProvider({
    [TOKEN_ENDPOINT]: options.token?.(record) ?? (() => json(tokenBody(record.nonce))),
    ...options.routes,
  });
  const mounted = await mount();
  await untilLoginOrError(mounted.events);
  await settle();
  await mounted.el.updateComplete;
  return { ...mounted, provider, record, page };
}

/** The callback failed with `code`, once; the address is clean; `tokenRequests` were made; the transaction is gone. */
async function expectCallbackFailure(outcome: Outcome, code: string, tokenRequests: 0 | 1) {
  const detail = expectOneError(outcome, code);
  expect(outcome.provider.to(TOKEN_ENDPOINT), 'token requests').to.have.length(tokenRequests);
  expect(outcome.el.navigated, 'navigations').to.have.length(0);
  expect(location.href, 'the response is gone from the address').to.equal(outcome.page.href);
  expect(await storedTransaction(outcome.record.state), 'transaction used once').to.equal(undefined);
  return detail;
}

/** A token endpoint answering a token response whose ID token has `claims` (over valid ones). */
const idToken =
  (claims: Record<string, unknown>, header?: Record<string, unknown>) =>
  (record: TransactionRecord): Handler =>
  () =>
    json(tokenBody(record.nonce, { claims, ...(header ? { header } : {}) }));

/** A token endpoint answering a token response with `body` members over valid ones. */
const tokenResponse =
  (body: Record<string, unknown>) =>
  (record: TransactionRecord): Handler =>
  () =>
    json(tokenBody(record.nonce, { body }));

describe('<pkce-login> protocol faults', () => {
  useHarness();

  describe('ID token', () => {
    it('should refuse an ID token with a wrong nonce: id_token_invalid', async () => {
      const outcome = await callback({ token: idToken({ nonce: 'not-the-nonce' }) });
      const { message } = await expectCallbackFailure(outcome, 'id_token_invalid', 1);
      expect(message).to.include('nonce');
    });

    it('should refuse an ID token without a nonce when one was sent: id_token_invalid', async () => {
      const outcome = await callback({ token: idToken({ nonce: undefined }) });
      await expectCallbackFailure(outcome, 'id_token_invalid', 1);
    });

    it('should refuse an ID token for another audience: id_token_invalid', async () => {
      const outcome = await callback({ token: idToken({ aud: 'another-client' }) });
      const { message } = await expectCallbackFailure(outcome, 'id_token_invalid', 1);
      expect(message).to.include('aud');
    });

    it('should refuse an ID token from another issuer: id_token_invalid', async () => {
      const outcome = await callback({ token: idToken({ iss: 'https://evil.example/' }) });
      const { message } = await expectCallbackFailure(outcome, 'id_token_invalid', 1);
      expect(message).to.include('iss');
    });

    // An ID token that was already expired when issued (exp before iat, iat now). An expired
    // token is clock_skew only when the provider's clock (its Date header) shows the device
    // clock is off (see clock-skew.test.ts and token-response.test.ts).
    it('should refuse an expired ID token: id_token_invalid', async () => {
      const now = nowSeconds();
      const outcome = await callback({ token: idToken({ iat: now, exp: now - 3600 }) });
      const { message } = await expectCallbackFailure(outcome, 'id_token_invalid', 1);
      expect(message).to.include('exp');
    });

    it('should refuse an unsigned ID token (alg: none): id_token_invalid', async () => {
      const outcome = await callback({ token: idToken({}, { alg: 'none', typ: 'JWT' }) });
      const { message } = await expectCallbackFailure(outcome, 'id_token_invalid', 1);
      expect(message).to.include('alg');
    });

    for (const advertised of [['none'], ['RS256', 'none']]) {
      it(`should refuse alg: none even when discovery advertises ${JSON.stringify(advertised)}`, async () => {
        let nonce: string | undefined;
        const provider = installFakeProvider({
          [DISCOVERY_URL]: () => json(providerMetadata({ id_token_signing_alg_values_supported: advertised })),
          [TOKEN_ENDPOINT]: () => json(tokenBody(nonce, { header: { alg: 'none', typ: 'JWT' } })),
        });
        // The login stores the transaction with the discovered metadata …
        const first = await mount();
        await untilStatus(first.el, 'signed-out');
        await first.el.login();
        expect(ofType(first.events, 'error'), describeLog(first.events)).to.have.length(0);
        const authorization = first.el.navigated[0]!;
        const state = authorization.searchParams.get('state')!;
        nonce = authorization.searchParams.get('nonce') ?? undefined;
        expect((await storedTransaction(state))?.metadata.id_token_signing_alg_values_supported ?? []).not.to.include('none');
        first.el.remove();

        // … and the provider comes back with an unsigned ID token.
        const page = pageWith();
        setAddress(withResponse(page, { code: 'the-code', state, iss: ISSUER }));
        const second = await mount();
        await untilLoginOrError(second.events);
        await settle();
        expectOneError(second, 'id_token_invalid');
        expect(provider.to(TOKEN_ENDPOINT)).to.have.length(1);
        expect(location.href).to.equal(page.href);
      });
    }

    it('should refuse an ID token for several audiences whose azp is another client: id_token_invalid', async () => {
      const outcome = await callback({ token: idToken({ aud: [CLIENT_ID, 'another-client'], azp: 'another-client' }) });
      const { message } = await expectCallbackFailure(outcome, 'id_token_invalid', 1);
      expect(message).to.include('azp');
    });

    it('should refuse an ID token for several audiences without azp: id_token_invalid', async () => {
      const outcome = await callback({ token: idToken({ aud: [CLIENT_ID, 'another-client'] }) });
      await expectCallbackFailure(outcome, 'id_token_invalid', 1);
    });

    it('should report an ID token issued in the future as clock_skew', async () => {
      const now = nowSeconds();
      const outcome = await callback({ token: idToken({ iat: now + 3600, exp: now + 7200 }) });
      await expectCallbackFailure(outcome, 'clock_skew', 1);
    });

    it('should refuse a token response without an ID token when openid was asked: invalid_response', async () => {
      const outcome = await callback({ token: tokenResponse({ id_token: undefined }) });
      await expectCallbackFailure(outcome, 'invalid_response', 1);
    });

    it('should refuse a malformed ID token (two segments): id_token_invalid', async () => {
      const outcome = await callback({ token: tokenResponse({ id_token: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0' }) });
      const detail = expectOneError(outcome, 'id_token_invalid');
      expect(detail.message).to.include('JWT');
      expect(outcome.provider.to(TOKEN_ENDPOINT)).to.have.length(1);
    });
  });

  describe('token response', () => {
    it('should refuse a token response without access_token: invalid_response', async () => {
      const outcome = await callback({ token: tokenResponse({ access_token: undefined }) });
      const { message } = await expectCallbackFailure(outcome, 'invalid_response', 1);
      expect(message).to.include('access_token');
    });

    it('should refuse a token response whose access_token is not a string: invalid_response', async () => {
      const outcome = await callback({ token: tokenResponse({ access_token: { value: 'x' } }) });
      await expectCallbackFailure(outcome, 'invalid_response', 1);
    });

    it('should refuse an unknown token_type (mac): invalid_response', async () => {
      const outcome = await callback({ token: tokenResponse({ token_type: 'mac' }) });
      const { message } = await expectCallbackFailure(outcome, 'invalid_response', 1);
      expect(message).to.include('token_type');
    });

    it('should refuse a token response that is a JSON array: invalid_response', async () => {
      const outcome = await callback({ token: () => () => json([tokenBody(undefined)]) });
      await expectCallbackFailure(outcome, 'invalid_response', 1);
    });
  });

  describe('discovery', () => {
    // The discovered issuer must equal the configured one as a URL (oauth4webapi compares
    // `new URL(issuer).href`): another host, path or scheme is refused; the same URL spelt
    // without its trailing slash or with another host case is the same issuer (see README).
    for (const issuer of ['https://evil.example/', 'https://op.example/tenant/', 'http://op.example/']) {
      const test = it;
      test(`should report discovery_failed when the discovered issuer is ${issuer}, and never navigate`, async () => {
        const provider = installFakeProvider({ [DISCOVERY_URL]: () => json(providerMetadata({ issuer })) });
        const mounted = await mount();
        await waitUntil(() => ofType(mounted.events, 'error').length > 0, describeLog(mounted.events), { interval: 5 });
        await settle();
        expectOneError(mounted, 'discovery_failed');

        // A click tries again, fails the same way, once, and does not navigate.
        button(mounted.el).click();
        await waitUntil(() => ofType(mounted.events, 'error').length === 2, describeLog(mounted.events), { interval: 5 });
        await settle();
        expect(ofType(mounted.events, 'error').map((e) => e.detail.code)).to.deep.equal(['discovery_failed', 'discovery_failed']);
        expect(mounted.el.navigated).to.have.length(0);
        expect(provider.to(DISCOVERY_URL)).to.have.length(2);
        expect(provider.to(TOKEN_ENDPOINT)).to.have.length(0);
        expectUsableSignedOut(mounted.el);
      });
    }

    for (const issuer of ['https://op.example', 'https://OP.example/']) {
      it(`should accept the discovered issuer ${issuer}, the configured URL spelt differently`, async () => {
        installFakeProvider({ [DISCOVERY_URL]: () => json(providerMetadata({ issuer })) });
        const mounted = await mount();
        await settle();
        button(mounted.el).click();
        await untilNavigated(mounted.el, 1, describeLog(mounted.events));
        expect(ofType(mounted.events, 'error')).to.have.length(0);
      });
    }
  });

  describe('authorization response', () => {
    it("should report the provider's error for a response with both code and error, without a token request", async () => {
      const outcome = await callback({
        response: (record) => ({ code: 'the-code', error: 'access_denied', error_description: 'no', state: record.state, iss: ISSUER }),
      });
      const detail = await expectCallbackFailure(outcome, 'access_denied', 0);
      expect(detail.description).to.equal('no');
    });

    it('should report an error for a duplicated code parameter, without a token request', async () => {
      const outcome = await callback({
        response: (record) =>
          new URLSearchParams([
            ['code', 'first-code'],
            ['code', 'second-code'],
            ['state', record.state],
            ['iss', ISSUER],
          ]),
      });
      await expectCallbackFailure(outcome, 'invalid_response', 0);
    });

    it('should report an error for a duplicated iss parameter, without a token request', async () => {
      const outcome = await callback({
        response: (record) =>
          new URLSearchParams([
            ['code', 'the-code'],
            ['state', record.state],
            ['iss', ISSUER],
            ['iss', ISSUER],
          ]),
      });
      await expectCallbackFailure(outcome, 'iss_mismatch', 0);
    });

    for (const order of ['stored state first', 'stored state second'] as const) {
      it(`should report state_mismatch for a duplicated state (${order}), without a token request`, async () => {
        const outcome = await callback({
          response: (record) => {
            const states = order === 'stored state first' ? [record.state, 'other-state'] : ['other-state', record.state];
            return new URLSearchParams([['code', 'the-code'], ...states.map((s) => ['state', s]), ['iss', ISSUER]]);
          },
        });
        expectOneError(outcome, 'state_mismatch');
        expect(outcome.provider.to(TOKEN_ENDPOINT)).to.have.length(0);
        expect(location.href).to.equal(outcome.page.href);
      });
    }

    for (const size of [2048, 200_000]) {
      it(`should report state_mismatch for a ${size}-character state, without a token request`, async () => {
        const state = 'A'.repeat(size);
        const page = pageWith({ keep: '1' });
        setAddress(withResponse(page, { code: 'the-code', state, iss: ISSUER }));
        const provider = installFakeProvider();
        const mounted = await mount();
        await untilLoginOrError(mounted.events);
        await settle();
        expectOneError(mounted, 'state_mismatch');
        expect(provider.to(TOKEN_ENDPOINT)).to.have.length(0);
        expect(location.href).to.equal(page.href);
        // The element still works: a new login navigates.
        await mounted.el.login();
        expect(mounted.el.navigated).to.have.length(1);
      });
    }

    it('should leave a ?code=&state= alone on a page that is not the redirect URI: no error, no token request, address unchanged', async () => {
      const record = await seedTransaction();
      const address = withResponse(pageWith({ keep: '1' }, '#h'), { code: 'x', state: record.state, iss: ISSUER });
      setAddress(address);
      const provider = installFakeProvider({ [TOKEN_ENDPOINT]: () => json(tokenBody(record.nonce)) });
      const mounted = await mount({ ...DEFAULT_ATTRIBUTES, 'redirect-uri': '/somewhere/else/callback' });
      await untilStatus(mounted.el, 'signed-out');
      await settle(100);
      expect(mounted.events, describeLog(mounted.events)).to.deep.equal([]);
      expectUsableSignedOut(mounted.el);
      expect(provider.to(TOKEN_ENDPOINT)).to.have.length(0);
      expect(location.href).to.equal(address.href);
      expect(await storedTransaction(record.state), 'the transaction is not touched').to.deep.equal(record);
    });

    it('should leave a ?code= without state alone: no error, no token request, address unchanged', async () => {
      const address = withResponse(pageWith(), { code: 'x' });
      setAddress(address);
      const provider = installFakeProvider();
      const mounted = await mount();
      await untilStatus(mounted.el, 'signed-out');
      await settle(100);
      expect(mounted.events, describeLog(mounted.events)).to.deep.equal([]);
      expect(provider.to(TOKEN_ENDPOINT)).to.have.length(0);
      expect(location.href).to.equal(address.href);
    });

    // A response in the fragment is not read at all (the element asks for the query response
    // mode only): see response-mode.test.ts.
  });

  describe('two widgets of different clients on one callback page', () => {
    // The element that starts first finds another client's transaction: it leaves the record and
    // the response in the address for the owner, which completes the login.
    it('should let the widget that owns the transaction complete the login', async () => {
      const record = await seedTransaction({ record: { clientId: 'client-2' } });
      const page = pageWith();
      setAddress(withResponse(page, { code: 'the-code', state: record.state, iss: ISSUER }));
      const provider = installFakeProvider({ [TOKEN_ENDPOINT]: () => json(tokenBody(record.nonce, { claims: { aud: 'client-2' } })) });
      const other = create();
      const owner = create({ issuer: ISSUER, 'client-id': 'client-2' });
      await fixture(html`<div>${other.el}${owner.el}</div>`);
      await untilLoginOrError(owner.events);
      await settle();
      expectSignedIn(owner);
      expect(provider.to(TOKEN_ENDPOINT)).to.have.length(1);
      expect(ofType(other.events, 'error')).to.deep.equal([]);
      expect(other.el.status).to.equal('signed-out');
    });
  });
});
