/// <reference types="mocha" />
/**
 * Widget gaps found by the interop suite (issue 13) and issue 14 item 4, through the element
 * (a stored transaction, the fake provider behind `fetch`):
 *
 * - 13.3 logout sends a random `state` (glewlwyd returns only with one), checked once when the
 *   provider sends the browser back.
 * - 13.4 / 14.4 plain OAuth 2 (a `scope` without `openid`): no nonce, no ID token, no userinfo
 *   request to a discovered endpoint; `user` is `{}`; the signed-in view says "Signed in" beside
 *   a generic figure.
 * - 13.6 the `revocation-endpoint` attribute, for providers whose discovery lists none.
 * - 13.7 `ui-locales="off"`: no `ui_locales` from the element's language (django-oauth-toolkit
 *   1.7 answers 500 to any).
 * - 13.8 a token response without `token_type` (OpenAuth): `Bearer` when no DPoP proof was sent,
 *   refused (`invalid_response`) when one was.
 * - Cognito-style logout: `post-logout-redirect-param="logout_uri"` with `end-session-endpoint`.
 */
import { expect, waitUntil } from '@open-wc/testing';
import { LOGOUT_STATE_PREFIX, saveLogoutState } from '../../src/storage/logout-state.js';
import sinon from 'sinon';
import { pageWith, setAddress, withResponse } from '../helpers/address.js';
import { describeLog, ofType } from '../helpers/events.js';
import { createDpopKey } from '../../src/protocol/protocol.js';
import {
  DEFAULT_ATTRIBUTES,
  expectOneError,
  expectUsableSignedOut,
  expectSignedIn,
  mount,
  part,
  untilLoginOrError,
  untilStatus,
  useHarness,
  type Mounted,
} from '../helpers/element.js';
import {
  ACCESS_TOKEN,
  AUTHORIZATION_ENDPOINT,
  CLIENT_ID,
  END_SESSION_ENDPOINT,
  installFakeProvider,
  ISSUER,
  json,
  providerMetadata,
  REFRESH_TOKEN,
  TOKEN_ENDPOINT,
  tokenBody,
  USERINFO_ENDPOINT,
  userinfoBody,
  type FakeProvider,
  type Handler,
} from '../helpers/provider.js';
import { seedTransaction } from '../helpers/transactions.js';

const REVOCATION_ENDPOINT = 'https://op.example/oauth2/revoke';

interface SignedIn extends Mounted {
  provider: FakeProvider;
}

/**
 * A completed login: a stored transaction (`seed`), the response in the address, the token
 * endpoint answering `tokenBody` (for the transaction's nonce) with `body` over it; the element
 * with `attributes` over the defaults.
 */
async function signIn(
  options: {
    attributes?: Record<string, string>;
    seed?: Parameters<typeof seedTransaction>[0];
    body?: Record<string, unknown>;
    routes?: Record<string, Handler>;
  } = {},
): Promise<SignedIn> {
  const record = await seedTransaction(options.seed);
  setAddress(withResponse(pageWith(), { code: 'the-code', state: record.state, iss: ISSUER }));
  const provider = installFakeProvider({
    [TOKEN_ENDPOINT]: () => json(tokenBody(record.nonce, { body: options.body })),
    [REVOCATION_ENDPOINT]: () => new Response(null, { status: 200 }),
    ...options.routes,
  });
  const mounted = await mount({ ...DEFAULT_ATTRIBUTES, ...options.attributes });
  await untilLoginOrError(mounted.events);
  await mounted.el.updateComplete;
  return { ...mounted, provider };
}

/** A completed plain OAuth 2 login: `scope="profile"`, no nonce stored, a token response without ID token. */
function signInPlain(
  attributes: Record<string, string> = {},
  routes: Record<string, Handler> = {},
  metadata: Record<string, unknown> = providerMetadata(),
): Promise<SignedIn> {
  return signIn({
    attributes: { scope: 'profile', ...attributes },
    seed: { metadata, record: { nonce: undefined } },
    body: { id_token: undefined, scope: 'profile', refresh_token: undefined },
    routes,
  });
}

describe('provider gaps (issue 13)', () => {
  useHarness();

  describe('13.3 logout state', () => {
    /** Signs in, logs out at the provider, and returns the end-session URL the element went to. */
    async function logoutAtProvider(): Promise<URL> {
      const { el } = await signIn();
      await el.logout();
      expect(el.navigated, 'one navigation to the end-session endpoint').to.have.length(1);
      const url = el.navigated[0]!;
      expect(url.origin + url.pathname).to.equal(END_SESSION_ENDPOINT);
      return url;
    }

    /** The page as the provider sends it back: other parameters and the hash kept, `state` added. */
    function returnWith(state: string): string {
      const clean = pageWith({ keep: '1' }, '#section');
      const back = new URL(clean);
      back.searchParams.append('state', state);
      setAddress(back);
      return clean.href;
    }

    it('should send a random state starting with "l." to the end-session endpoint', async () => {
      const url = await logoutAtProvider();
      expect(url.searchParams.get('state')).to.match(/^l\.[A-Za-z0-9_-]{22,}$/);
      expect(url.searchParams.get('post_logout_redirect_uri')).to.equal(location.origin + location.pathname);
    });

    it('should accept the return with that state once: no event, state removed from the address, signed out', async () => {
      const state = (await logoutAtProvider()).searchParams.get('state')!;
      const clean = returnWith(state);
      const back = await mount();
      await untilStatus(back.el, 'signed-out');
      expect(back.events.map((e) => e.type), describeLog(back.events)).to.deep.equal([]);
      expect(location.href).to.equal(clean);
      expectUsableSignedOut(back.el);

      // Good once: the same return again matches nothing.
      returnWith(state);
      const again = await mount();
      await untilStatus(again.el, 'signed-out');
      const { message } = expectOneError(again, 'state_mismatch');
      expect(message).to.include('logout');
      expect(location.href).to.equal(clean);
    });

    it('should report a logout state that matches no logout of this tab as a quiet state_mismatch, and clean the address', async () => {
      const clean = returnWith(`${LOGOUT_STATE_PREFIX}forged-or-expired`);
      installFakeProvider();
      const mounted = await mount();
      await untilStatus(mounted.el, 'signed-out');
      expectOneError(mounted, 'state_mismatch');
      expect(location.href).to.equal(clean);
      expect(mounted.el.shadowRoot!.querySelector('[role="status"]')!.textContent, 'not announced').to.equal('');
    });

    it("should leave a state of the page's own (no logout prefix) alone", async () => {
      returnWith('page-own-state');
      const before = location.href;
      installFakeProvider();
      const mounted = await mount();
      await untilStatus(mounted.el, 'signed-out');
      expect(mounted.events, describeLog(mounted.events)).to.deep.equal([]);
      expect(location.href).to.equal(before);
    });

    it("should leave another client's logout state in the address, for that client's element", async () => {
      const state = `${LOGOUT_STATE_PREFIX}other-client`;
      saveLogoutState(state, { issuer: ISSUER, clientId: 'client-2' });
      const clean = returnWith(state);
      const before = location.href;
      installFakeProvider();
      const mounted = await mount();
      await untilStatus(mounted.el, 'signed-out');
      expect(mounted.events, describeLog(mounted.events)).to.deep.equal([]);
      expect(location.href).to.equal(before);

      const other = await mount({ issuer: ISSUER, 'client-id': 'client-2' });
      await untilStatus(other.el, 'signed-out');
      expect(other.events, describeLog(other.events)).to.deep.equal([]);
      expect(location.href, "taken by that client's element").to.equal(clean);
    });
  });

  describe('13.4 / 14.4 plain OAuth 2', () => {
    it('should send no nonce and no offline_access without openid', async () => {
      installFakeProvider();
      const { el } = await mount({ ...DEFAULT_ATTRIBUTES, scope: 'profile' });
      await untilStatus(el, 'signed-out');
      await el.login();
      const url = el.navigated[0]!;
      expect(url.origin + url.pathname).to.equal(AUTHORIZATION_ENDPOINT);
      expect(url.searchParams.get('scope')).to.equal('profile');
      expect(url.searchParams.has('nonce')).to.equal(false);
    });

    it('should sign in without an ID token, make no userinfo request, and give user {} in the property and the login event', async () => {
      const outcome = await signInPlain();
      expectSignedIn(outcome);
      expect(providerMetadata()['userinfo_endpoint'], 'discovery lists a userinfo endpoint').to.equal(USERINFO_ENDPOINT);
      expect(outcome.provider.to(USERINFO_ENDPOINT), 'userinfo requests').to.have.length(0);
      expect(outcome.el.user).to.deep.equal({});
      const [login] = ofType(outcome.events, 'login');
      expect(login!.detail).to.deep.equal({ user: {}, restored: false });
      const [token] = ofType(outcome.events, 'token');
      expect(token!.detail).to.not.have.property('idToken');
      expect(token!.detail).to.include({ accessToken: ACCESS_TOKEN, tokenType: 'Bearer', scope: 'profile' });
    });

    it('should show "Signed in" and a generic figure (inline SVG, no request), and announce "Signed in"', async () => {
      const { el } = await signInPlain();
      expect(part(el, 'user')!.textContent).to.equal('Signed in');
      expect(part(el, 'avatar'), 'no <img>').to.equal(null);
      const figure = part(el, 'initials')!;
      expect(figure.getAttribute('aria-hidden')).to.equal('true');
      expect(figure.textContent).to.equal('');
      expect(figure.querySelector('svg')?.namespaceURI).to.equal('http://www.w3.org/2000/svg');
      expect(figure.querySelector('[href], image, use'), 'nothing that loads').to.equal(null);
      expect(figure.getBoundingClientRect().width, 'the figure has the avatar size').to.be.greaterThan(0);
      expect(el.shadowRoot!.querySelector('[role="status"]')!.textContent).to.equal('Signed in');
    });

    it('should say "Signed in" in the UI language, and take the messages override', async () => {
      const { el } = await signInPlain({ lang: 'fr' });
      expect(part(el, 'user')!.textContent).to.equal('Connecté');
      expect(el.shadowRoot!.querySelector('[role="status"]')!.textContent).to.equal('Connecté');
      el.messages = { signedInNoName: 'Welcome back' };
      await el.updateComplete;
      expect(part(el, 'user')!.textContent).to.equal('Welcome back');
    });

    it('should call a userinfo-endpoint named by the attribute, with no subject to compare', async () => {
      const ME = 'https://op.example/me';
      // As discovery merges it into the metadata the transaction keeps.
      const outcome = await signInPlain(
        { 'userinfo-endpoint': ME },
        { [ME]: () => json(userinfoBody({ sub: 'someone', name: 'Grace Hopper' })) },
        providerMetadata({ userinfo_endpoint: ME }),
      );
      expectSignedIn(outcome);
      expect(outcome.provider.to(ME)).to.have.length(1);
      expect(outcome.el.user).to.include({ sub: 'someone', name: 'Grace Hopper' });
      expect(part(outcome.el, 'user')!.textContent).to.equal('Grace Hopper');
    });
  });

  describe('13.6 revocation-endpoint', () => {
    it('should revoke the refresh token at the revocation-endpoint attribute when discovery lists no revocation endpoint', async () => {
      const outcome = await signIn({ attributes: { 'revocation-endpoint': REVOCATION_ENDPOINT } });
      expectSignedIn(outcome);
      expect(providerMetadata()['revocation_endpoint'], 'the fake discovery lists none').to.equal(undefined);
      expect(outcome.el.revocationEndpoint).to.equal(REVOCATION_ENDPOINT);

      await outcome.el.logout({ local: true });
      await waitUntil(() => outcome.provider.to(REVOCATION_ENDPOINT).length > 0, `no revocation request: ${describeLog(outcome.events)}`);
      const [revocation, ...more] = outcome.provider.to(REVOCATION_ENDPOINT);
      expect(more).to.have.length(0);
      expect(revocation!.method).to.equal('POST');
      expect(Object.fromEntries(revocation!.body)).to.deep.equal({ token: REFRESH_TOKEN, client_id: CLIENT_ID });
      expect(ofType(outcome.events, 'error')).to.have.length(0);
    });

    it('should send no revocation request without the attribute when discovery lists none', async () => {
      const outcome = await signIn();
      await outcome.el.logout({ local: true });
      expect(outcome.provider.to(REVOCATION_ENDPOINT)).to.have.length(0);
    });
  });

  describe('13.7 ui-locales', () => {
    /** The `ui_locales` of the authorization request of a login from an element under `lang="fr"`. */
    async function uiLocalesSent(attributes: Record<string, string>, authorizationParams?: Record<string, string>): Promise<string[]> {
      installFakeProvider();
      const { el } = await mount({ ...DEFAULT_ATTRIBUTES, lang: 'fr', ...attributes });
      await untilStatus(el, 'signed-out');
      if (authorizationParams) el.authorizationParams = authorizationParams;
      await el.login();
      expect(el.navigated, 'one navigation to the provider').to.have.length(1);
      return el.navigated[0]!.searchParams.getAll('ui_locales');
    }

    it('should send the language as ui_locales by default', async () => {
      expect(await uiLocalesSent({})).to.deep.equal(['fr']);
    });

    it('should send no ui_locales with ui-locales="off"', async () => {
      expect(await uiLocalesSent({ 'ui-locales': 'off' })).to.deep.equal([]);
    });

    it('should still send a ui_locales given in authorizationParams with ui-locales="off"', async () => {
      expect(await uiLocalesSent({ 'ui-locales': 'off' }, { ui_locales: 'de' })).to.deep.equal(['de']);
    });

    it('should apply a uiLocales property set after start, and refuse an unknown value with invalid_config', async () => {
      installFakeProvider();
      const { el, events } = await mount({ ...DEFAULT_ATTRIBUTES, lang: 'fr' });
      await untilStatus(el, 'signed-out');
      el.uiLocales = 'off';
      await el.login();
      expect(el.navigated[0]!.searchParams.has('ui_locales')).to.equal(false);
      expect(ofType(events, 'error')).to.have.length(0);

      el.uiLocales = 'fr';
      await el.updateComplete;
      const errors = ofType(events, 'error');
      expect(errors.map((e) => (e.detail as { code: string }).code)).to.deep.equal(['invalid_config']);
      expect((errors[0]!.detail as { message: string }).message).to.include('"ui-locales"');
    });
  });

  describe('13.8 a token response without token_type', () => {
    it('should sign in with it as a Bearer token when no DPoP proof was sent', async () => {
      const outcome = await signIn({ body: { token_type: undefined } });
      expectSignedIn(outcome);
      expect(outcome.provider.to(TOKEN_ENDPOINT)[0]!.headers.has('dpop')).to.equal(false);
      expect(ofType(outcome.events, 'token')[0]!.detail).to.include({ accessToken: ACCESS_TOKEN, tokenType: 'Bearer' });
      expect(await outcome.el.getAccessToken()).to.equal(ACCESS_TOKEN);
    });

    for (const tokenType of [undefined, 'Bearer']) {
      it(`should read the token response once with token_type ${String(tokenType)} (issue 16: no second parse on the callback path)`, async () => {
        const clone = sinon.spy(Response.prototype, 'clone');
        const outcome = await signIn({ body: { token_type: tokenType } });
        expectSignedIn(outcome);
        expect(clone.callCount, 'Response.clone() calls').to.equal(0);
      });
    }

    it('should refuse it with invalid_response when the token request carried a DPoP proof', async () => {
      const outcome = await signIn({
        body: { token_type: undefined },
        seed: { metadata: providerMetadata({ dpop_signing_alg_values_supported: ['ES256'] }), record: { dpopKey: await createDpopKey() } },
      });
      expect(outcome.provider.to(TOKEN_ENDPOINT)[0]!.headers.has('dpop'), 'a DPoP proof was sent').to.equal(true);
      const { message } = expectOneError(outcome, 'invalid_response');
      expect(message).to.include('token_type');
    });
  });

  describe('Cognito-style logout: post-logout-redirect-param', () => {
    const LOGOUT = 'https://auth.example/logout';

    it('should send the post-logout redirect URI as logout_uri (and no post_logout_redirect_uri) with post-logout-redirect-param="logout_uri"', async () => {
      const { el, events } = await signIn({
        attributes: { 'end-session-endpoint': LOGOUT, 'post-logout-redirect-param': 'logout_uri' },
        // Cognito's discovery has no end_session_endpoint: the attribute's, as discovery merges it.
        seed: { metadata: providerMetadata({ end_session_endpoint: LOGOUT }) },
      });
      await el.logout();
      const url = el.navigated[0]!;
      expect(url.origin + url.pathname).to.equal(LOGOUT);
      const state = url.searchParams.get('state');
      expect(state).to.match(/^l\./);
      expect(Object.fromEntries(url.searchParams)).to.deep.equal({
        id_token_hint: (ofType(events, 'token')[0]!.detail as { idToken: string }).idToken,
        logout_uri: location.origin + location.pathname,
        client_id: CLIENT_ID,
        state,
      });
    });

    it('should refuse a post-logout-redirect-param the element sends itself with invalid_config', async () => {
      installFakeProvider();
      const mounted = await mount({ ...DEFAULT_ATTRIBUTES, 'post-logout-redirect-param': 'client_id' });
      await untilStatus(mounted.el, 'signed-out');
      const [error] = ofType(mounted.events, 'error');
      expect(error?.detail).to.include({ code: 'invalid_config' });
      expect((error!.detail as { message: string }).message).to.include('"post-logout-redirect-param"');
    });
  });
});
