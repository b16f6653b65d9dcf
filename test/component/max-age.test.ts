/// <reference types="mocha" />
/**
 * Security review (issue 12) finding 5: `max_age` is enforced (OIDC Core §3.1.3.7 item 13).
 * When a login sends `max_age` (the `authorizationParams` property or
 * `login({ authorizationParams })`), the transaction keeps it, and the ID token must carry an
 * `auth_time` no older than `max_age` (plus the clock tolerance): else `id_token_invalid`, with a
 * message that says which. A `max_age` that is not a whole number of seconds is refused at
 * login with `invalid_config`, before anything is stored or visited.
 */
import { expect } from '@open-wc/testing';
import { pageWith, setAddress, withResponse } from '../helpers/address.js';
import { describeLog, ofType } from '../helpers/events.js';
import {
  DEFAULT_ATTRIBUTES,
  expectOneError,
  expectSignedIn,
  expectUsableSignedOut,
  mount,
  settle,
  untilLoginOrError,
  untilStatus,
  useHarness,
  type Mounted,
} from '../helpers/element.js';
import { nowSeconds } from '../helpers/jwt.js';
import { installFakeProvider, ISSUER, json, TOKEN_ENDPOINT, tokenBody, type FakeProvider } from '../helpers/provider.js';
import { keys } from 'idb-keyval';
import { elementStore, storedTransaction } from '../helpers/transactions.js';
import type { AuthorizationParams } from '../../src/protocol/protocol.js';

const DAY = 86_400;

interface Outcome extends Mounted {
  provider: FakeProvider;
  /** The authorization request the first page sent the browser to. */
  authorization: URL;
}

/**
 * A whole login: the first page starts it (with `property` as the element's
 * `authorizationParams` and `options` given to `login()`), the provider comes back with a
 * code, and its token endpoint answers an ID token with `claims`.
 */
async function loginWith(
  claims: Record<string, unknown>,
  { property, options }: { property?: AuthorizationParams; options?: AuthorizationParams } = {},
): Promise<Outcome> {
  let nonce: string | undefined;
  const provider = installFakeProvider({ [TOKEN_ENDPOINT]: () => json(tokenBody(nonce, { claims })) });
  const first = await mount();
  await untilStatus(first.el, 'signed-out');
  if (property) first.el.authorizationParams = property;
  await first.el.login(options ? { authorizationParams: options } : undefined);
  expect(ofType(first.events, 'error'), describeLog(first.events)).to.have.length(0);
  const authorization = first.el.navigated[0]!;
  const state = authorization.searchParams.get('state')!;
  nonce = authorization.searchParams.get('nonce') ?? undefined;
  first.el.remove();

  setAddress(withResponse(pageWith(), { code: 'the-code', state, iss: ISSUER }));
  const second = await mount();
  await untilLoginOrError(second.events);
  await settle();
  return { ...second, provider, authorization };
}

describe('max_age (OIDC Core §3.1.3.7 item 13)', () => {
  useHarness();

  describe('auth_time is checked when max_age was sent', () => {
    it('should refuse an auth_time a day old after login({ authorizationParams: { max_age: 0 } }): id_token_invalid', async () => {
      const outcome = await loginWith({ auth_time: nowSeconds() - DAY }, { options: { max_age: 0 } });
      expect(outcome.authorization.searchParams.get('max_age')).to.equal('0');
      const { message } = expectOneError(outcome, 'id_token_invalid');
      expect(message).to.include('auth_time').and.include('max_age=0');
      expect(message).to.match(/\b864\d\d s ago\b/);
      expect(outcome.provider.to(TOKEN_ENDPOINT), 'token requests').to.have.length(1);
    });

    it('should refuse an auth_time a day old with max_age 0 in the authorizationParams property: id_token_invalid', async () => {
      const outcome = await loginWith({ auth_time: nowSeconds() - DAY }, { property: { max_age: 0 } });
      const { message } = expectOneError(outcome, 'id_token_invalid');
      expect(message).to.include('max_age=0');
    });

    it('should refuse an auth_time older than max_age="300" (a string) by more than the tolerance: id_token_invalid', async () => {
      const outcome = await loginWith({ auth_time: nowSeconds() - 300 - 61 }, { options: { max_age: '300' } });
      const { message } = expectOneError(outcome, 'id_token_invalid');
      expect(message).to.include('max_age=300');
    });

    it('should refuse an ID token without auth_time when max_age was sent: id_token_invalid saying auth_time is missing', async () => {
      const outcome = await loginWith({}, { options: { max_age: 600 } });
      const { message } = expectOneError(outcome, 'id_token_invalid');
      expect(message).to.include('no auth_time').and.include('max_age=600');
    });

    it('should sign in with an auth_time within max_age', async () => {
      const outcome = await loginWith({ auth_time: nowSeconds() - 60 }, { options: { max_age: 300 } });
      expectSignedIn(outcome);
    });

    it('should sign in with an auth_time just past max_age but within the clock tolerance', async () => {
      const outcome = await loginWith({ auth_time: nowSeconds() - 300 - 30 }, { property: { max_age: 300 } });
      expectSignedIn(outcome);
    });

    it('should let login() options override the property: max_age 0 over the property\'s 3600', async () => {
      const outcome = await loginWith({ auth_time: nowSeconds() - 600 }, { property: { max_age: 3600 }, options: { max_age: 0 } });
      expectOneError(outcome, 'id_token_invalid');
    });

    it('should not check auth_time when no max_age was sent', async () => {
      expectSignedIn(await loginWith({ auth_time: nowSeconds() - DAY }));
    });

    it('should not check auth_time when max_age is null (left out of the request)', async () => {
      const outcome = await loginWith({}, { property: { max_age: null } });
      expect(outcome.authorization.searchParams.has('max_age')).to.equal(false);
      expectSignedIn(outcome);
    });

    it('should keep max_age in the stored transaction', async () => {
      installFakeProvider();
      const { el } = await mount();
      await untilStatus(el, 'signed-out');
      await el.login({ authorizationParams: { max_age: ' 120 ' } });
      const state = el.navigated[0]!.searchParams.get('state')!;
      expect(el.navigated[0]!.searchParams.get('max_age')).to.equal('120');
      expect((await storedTransaction(state))?.maxAge).to.equal(120);
    });
  });

  describe('a max_age that cannot be checked is refused at login: invalid_config', () => {
    for (const value of ['soon', '-1', -1, 1.5, '1e3', '', true, Infinity]) {
      it(`should refuse max_age ${typeof value === 'string' ? JSON.stringify(value) : String(value)} without storing or visiting anything`, async () => {
        const provider = installFakeProvider();
        const mounted = await mount();
        await untilStatus(mounted.el, 'signed-out');
        await mounted.el.login({ authorizationParams: { max_age: value } });
        await settle();
        const { message } = expectOneError(mounted, 'invalid_config');
        expect(message).to.include('max_age').and.include('whole number of seconds');
        expect(mounted.el.navigated, 'navigations').to.deep.equal([]);
        expect(await keys(elementStore), 'stored transactions').to.deep.equal([]);
        expect(provider.to(TOKEN_ENDPOINT)).to.deep.equal([]);
        expectUsableSignedOut(mounted.el);
      });
    }

    it('should refuse max_age without the openid scope (no ID token to check it against)', async () => {
      installFakeProvider();
      const mounted = await mount({ ...DEFAULT_ATTRIBUTES, scope: 'api:read' });
      await untilStatus(mounted.el, 'signed-out');
      await mounted.el.login({ authorizationParams: { max_age: 0 } });
      await settle();
      const { message } = expectOneError(mounted, 'invalid_config');
      expect(message).to.include('max_age').and.include('openid');
      expect(mounted.el.navigated).to.deep.equal([]);
    });
  });
});
