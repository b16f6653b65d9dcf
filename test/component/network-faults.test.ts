/// <reference types="mocha" />
/**
 * Issue 3 §3, network faults: provider requests that never answer, 5xx answers, non-JSON and
 * oversized bodies, CORS-style failures. Each gives one `network_error`, `discovery_failed` or
 * `invalid_response` within the configured timeout, leaves the element signed out and usable,
 * and a retry works.
 */
import { expect, waitUntil } from '@open-wc/testing';
import type { TransactionRecord } from '../../src/storage/transaction-store.js';
import { MAX_RESPONSE_BYTES } from '../../src/protocol/protocol.js';
import { pageWith, setAddress, withResponse } from '../helpers/address.js';
import { describeLog, ofType } from '../helpers/events.js';
import {
  button,
  DEFAULT_ATTRIBUTES,
  expectOneError,
  expectSignedIn,
  mount,
  settle,
  untilLoginOrError,
  untilNavigated,
  untilStatus,
  useHarness,
  type Mounted,
} from '../helpers/element.js';
import { endlessBody, hang, paddedJson, stalledBody } from '../helpers/faults.js';
import {
  AUTHORIZATION_ENDPOINT,
  DISCOVERY_URL,
  installFakeProvider,
  ISSUER,
  json,
  networkFailure,
  providerMetadata,
  TOKEN_ENDPOINT,
  tokenBody,
  USERINFO_ENDPOINT,
  type FakeProvider,
  type Handler,
} from '../helpers/provider.js';
import { seedTransaction, storedTransaction } from '../helpers/transactions.js';

interface Outcome extends Mounted {
  provider: FakeProvider;
  record: TransactionRecord;
  page: URL;
  /** Milliseconds from the token request to the first `login` or `error` event. */
  elapsed: number;
}

/**
 * A callback for a stored transaction whose token endpoint answers `token(record)`. Mounts the
 * element with `attributes` and waits for `login` or `error`.
 */
async function callback(
  token: (record: TransactionRecord) => Handler,
  attributes: Record<string, string> = DEFAULT_ATTRIBUTES,
  routes: Record<string, Handler> = {},
): Promise<Outcome> {
  const record = await seedTransaction();
  const page = pageWith({ keep: '1' });
  setAddress(withResponse(page, { code: 'the-code', state: record.state, iss: ISSUER }));
  let requestedAt = 0;
  const handler = token(record);
  const provider = installFakeProvider({
    [TOKEN_ENDPOINT]: (request) => {
      requestedAt = performance.now();
      return handler(request);
    },
    ...routes,
  });
  const mounted = await mount(attributes);
  await untilLoginOrError(mounted.events, 5000);
  const elapsed = performance.now() - requestedAt;
  await settle();
  await mounted.el.updateComplete;
  return { ...mounted, provider, record, page, elapsed };
}

async function expectCallbackFailure(outcome: Outcome, code: string) {
  const detail = expectOneError(outcome, code);
  expect(outcome.provider.to(TOKEN_ENDPOINT), 'token requests').to.have.length(1);
  expect(outcome.el.navigated).to.have.length(0);
  expect(location.href).to.equal(outcome.page.href);
  expect(await storedTransaction(outcome.record.state), 'transaction used once').to.equal(undefined);
  return detail;
}

/** Clicks Log in and waits for the navigation; asserts that a transaction was stored for it. */
async function expectLoginWorks(el: Mounted['el']): Promise<void> {
  const before = el.navigated.length;
  button(el).click();
  await untilNavigated(el, before + 1);
  const url = el.navigated[before]!;
  expect(url.origin + url.pathname).to.equal(AUTHORIZATION_ENDPOINT);
  const record = await storedTransaction(url.searchParams.get('state')!);
  expect(record, 'a new transaction is stored').to.include({ state: url.searchParams.get('state'), issuer: ISSUER });
  expect(url.searchParams.get('nonce')).to.equal(record!.nonce);
}

const html = (status: number, body = '<html><body><h1>Bad Gateway</h1></body></html>') => () =>
  new Response(body, { status, headers: { 'content-type': 'text/html; charset=utf-8' } });

describe('<pkce-login> network faults', () => {
  useHarness();

  describe('timeouts', () => {
    it('should give up on a token endpoint that never answers after timeout="300": network_error within 1 s', async () => {
      const outcome = await callback(() => hang, { ...DEFAULT_ATTRIBUTES, timeout: '300' });
      const { message } = await expectCallbackFailure(outcome, 'network_error');
      expect(outcome.elapsed, 'ms from the token request to the error').to.be.within(250, 1000);
      expect(message).to.match(/time(d)? ?out/i);
    });

    it('should give up on a token response whose body stalls after the headers: network_error within 1 s', async () => {
      const outcome = await callback(() => (request) => stalledBody(request), { ...DEFAULT_ATTRIBUTES, timeout: '300' });
      await expectCallbackFailure(outcome, 'network_error');
      expect(outcome.elapsed).to.be.within(250, 1000);
    });

    it('should use a 10 s timeout by default: a token request carries an abort signal', async () => {
      const outcome = await callback((record) => () => json(tokenBody(record.nonce)));
      expectSignedIn(outcome);
      const signal = outcome.provider.to(TOKEN_ENDPOINT)[0]!.signal;
      expect(signal, 'abort signal').to.be.instanceOf(AbortSignal);
    });

    it('should give up on a discovery that never answers, then navigate on a click once it answers again', async () => {
      let broken = true;
      const provider = installFakeProvider({
        [DISCOVERY_URL]: (request) => (broken ? hang(request) : json(providerMetadata())),
      });
      const started = performance.now();
      const mounted = await mount({ ...DEFAULT_ATTRIBUTES, timeout: '200' });
      await waitUntil(() => ofType(mounted.events, 'error').length > 0, 'no error', { interval: 5, timeout: 2000 });
      expect(performance.now() - started, 'ms to the error').to.be.below(1000);
      await settle();
      const { message } = expectOneError(mounted, 'discovery_failed');
      expect(message).to.match(/time(d)? ?out|unreachable|could not be reached/i);

      broken = false;
      await expectLoginWorks(mounted.el);
      expect(ofType(mounted.events, 'error'), 'no further error').to.have.length(1);
      expect(provider.to(DISCOVERY_URL)).to.have.length(2);
    });

    it('should report one error, not two, for a click while discovery hangs', async () => {
      installFakeProvider({ [DISCOVERY_URL]: hang });
      const mounted = await mount({ ...DEFAULT_ATTRIBUTES, timeout: '300' });
      await untilStatus(mounted.el, 'signed-out');
      button(mounted.el).click();
      await mounted.el.updateComplete;
      expect(mounted.el.status).to.equal('signing-in');
      await waitUntil(() => ofType(mounted.events, 'error').length > 0, 'no error', { interval: 5, timeout: 2000 });
      await settle(100);
      expectOneError(mounted, 'discovery_failed');
      expect(mounted.el.navigated).to.have.length(0);
    });

    it('should complete the login without the profile when userinfo never answers', async () => {
      const outcome = await callback((record) => () => json(tokenBody(record.nonce)), { ...DEFAULT_ATTRIBUTES, timeout: '300' }, {
        [USERINFO_ENDPOINT]: hang,
      });
      expectSignedIn(outcome);
      expect(outcome.el.user).to.include({ name: 'Ada Lovelace' });
      expect(outcome.elapsed).to.be.below(1500);
    });
  });

  describe('5xx and non-JSON answers', () => {
    for (const status of [500, 502, 503, 504]) {
      it(`should report invalid_response for a ${status} HTML page from the token endpoint`, async () => {
        const outcome = await callback(() => html(status));
        await expectCallbackFailure(outcome, 'invalid_response');
      });
    }

    // RFC 6749 §5.2 token endpoint errors are 400 (401 for client authentication); a 5xx is an
    // outage whatever its body says.
    it('should report invalid_response for a 503 with a JSON error body from the token endpoint', async () => {
      const outcome = await callback(() => () => json({ error: 'temporarily_unavailable', error_description: 'try later' }, 503));
      await expectCallbackFailure(outcome, 'invalid_response');
    });

    it('should report invalid_response for a 200 text/plain body (a form-encoded token response)', async () => {
      const outcome = await callback(() => () =>
        new Response('access_token=abc&token_type=bearer&scope=openid', { status: 200, headers: { 'content-type': 'text/plain' } }),
      );
      await expectCallbackFailure(outcome, 'invalid_response');
    });

    it('should report invalid_response for a 200 HTML page (a captive portal) from the token endpoint', async () => {
      const outcome = await callback(() => html(200, '<!doctype html><title>Sign in to Wi-Fi</title>'));
      await expectCallbackFailure(outcome, 'invalid_response');
    });

    it('should report invalid_response for truncated JSON', async () => {
      const outcome = await callback(() => () => new Response('{"access_token":"abc","tok', { status: 200, headers: { 'content-type': 'application/json' } }));
      await expectCallbackFailure(outcome, 'invalid_response');
    });

    it('should report invalid_response for an empty 200 body', async () => {
      const outcome = await callback(() => () => new Response(null, { status: 200, headers: { 'content-type': 'application/json' } }));
      await expectCallbackFailure(outcome, 'invalid_response');
    });

    it('should report discovery_failed for a 502 HTML discovery answer, and navigate on a click once it is back', async () => {
      let broken = true;
      installFakeProvider({ [DISCOVERY_URL]: () => (broken ? html(502)() : json(providerMetadata())) });
      const mounted = await mount();
      await waitUntil(() => ofType(mounted.events, 'error').length > 0, 'no error', { interval: 5 });
      await settle();
      expectOneError(mounted, 'discovery_failed');
      broken = false;
      await expectLoginWorks(mounted.el);
      expect(ofType(mounted.events, 'error')).to.have.length(1);
    });
  });

  describe('oversized answers', () => {
    it(`should refuse a JSON token response over ${MAX_RESPONSE_BYTES} bytes: invalid_response`, async () => {
      const outcome = await callback((record) => () =>
        new Response(paddedJson(tokenBody(record.nonce), MAX_RESPONSE_BYTES + 1024), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        }),
      );
      const { message } = await expectCallbackFailure(outcome, 'invalid_response');
      expect(message).to.match(/larger than|bytes/);
    });

    it('should accept a JSON token response just under the limit', async () => {
      const outcome = await callback((record) => () =>
        new Response(paddedJson(tokenBody(record.nonce), MAX_RESPONSE_BYTES - 1024), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        }),
      );
      expectSignedIn(outcome);
    });

    it('should stop reading a token response body that never ends: invalid_response, no hang', async () => {
      let pulled = () => 0;
      const outcome = await callback(() => () => {
        const endless = endlessBody();
        pulled = endless.pulled;
        return endless.response;
      });
      await expectCallbackFailure(outcome, 'invalid_response');
      expect(outcome.elapsed).to.be.below(2000);
      const read = pulled();
      await settle(100);
      expect(pulled(), 'the body is no longer read').to.be.below(read + 4 * 65_536);
      expect(read).to.be.below(MAX_RESPONSE_BYTES + 8 * 65_536);
    });

    it('should report discovery_failed for an endless discovery document, then navigate once it is back', async () => {
      let broken = true;
      installFakeProvider({ [DISCOVERY_URL]: () => (broken ? endlessBody().response : json(providerMetadata())) });
      const mounted = await mount();
      await waitUntil(() => ofType(mounted.events, 'error').length > 0, 'no error', { interval: 5 });
      await settle();
      expectOneError(mounted, 'discovery_failed');
      broken = false;
      await expectLoginWorks(mounted.el);
    });
  });

  describe('requests that fail to complete', () => {
    it('should report network_error when the token request fails like a CORS refusal (TypeError)', async () => {
      const outcome = await callback(() => () => Promise.reject(networkFailure()));
      await expectCallbackFailure(outcome, 'network_error');
    });

    it('should report discovery_failed when discovery fails like a CORS refusal, then navigate once it is back', async () => {
      let broken = true;
      installFakeProvider({ [DISCOVERY_URL]: () => (broken ? Promise.reject(networkFailure()) : json(providerMetadata())) });
      const mounted = await mount();
      await waitUntil(() => ofType(mounted.events, 'error').length > 0, 'no error', { interval: 5 });
      await settle();
      const { message } = expectOneError(mounted, 'discovery_failed');
      expect(message).to.match(/Failed to fetch|could not be reached|unreachable/i);
      broken = false;
      await expectLoginWorks(mounted.el);
    });

    it('should start a new login after a callback that failed with network_error', async () => {
      const outcome = await callback(() => () => Promise.reject(networkFailure()));
      await expectCallbackFailure(outcome, 'network_error');
      // The fake provider still answers discovery: the button works again.
      await expectLoginWorks(outcome.el);
      expect(ofType(outcome.events, 'error'), describeLog(outcome.events)).to.have.length(1);
      expect(outcome.el.status).to.equal('signing-in');
    });

    it('should complete the next callback after one that failed with network_error', async () => {
      let fail = true;
      let nonce: string | undefined;
      const provider = installFakeProvider({
        [TOKEN_ENDPOINT]: () => (fail ? Promise.reject(networkFailure()) : json(tokenBody(nonce))),
      });
      const first = await seedTransaction();
      const page = pageWith();
      setAddress(withResponse(page, { code: 'first-code', state: first.state, iss: ISSUER }));
      const failed = await mount();
      await untilLoginOrError(failed.events);
      await settle();
      expectOneError(failed, 'network_error');

      // The user tries again: a new login, a new transaction, and the provider's second redirect.
      await failed.el.login();
      const authorization = failed.el.navigated[0]!;
      nonce = authorization.searchParams.get('nonce') ?? undefined;
      failed.el.remove();
      fail = false;
      setAddress(withResponse(page, { code: 'second-code', state: authorization.searchParams.get('state')!, iss: ISSUER }));
      const retried = await mount();
      await untilLoginOrError(retried.events);
      expectSignedIn(retried);
      expect(provider.to(TOKEN_ENDPOINT).map((r) => r.body.get('code'))).to.deep.equal(['first-code', 'second-code']);
    });
  });
});
