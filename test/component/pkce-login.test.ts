/// <reference types="mocha" />
import { aTimeout, expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import { PkceLoginError } from '../../src/errors.js';
import type { PropertyValues } from 'lit';
import { PkceLogin } from '../../src/pkce-login.component.js';
import type { TransactionRecord } from '../../src/storage/transaction-store.js';
import { pageWith, rememberAddress, restoreAddress, setAddress, withResponse } from '../helpers/address.js';
import { describeLog, ofType, recordEvents, untilEvent, watchUnhandledRejections, type RecordedEvent } from '../helpers/events.js';
import { nowSeconds, s256 } from '../helpers/jwt.js';
import {
  ACCESS_TOKEN,
  AUTHORIZATION_ENDPOINT,
  AVATAR,
  CLIENT_ID,
  deferred,
  DISCOVERY_URL,
  END_SESSION_ENDPOINT,
  installFakeProvider,
  ISSUER,
  json,
  networkFailure,
  providerMetadata,
  REFRESH_TOKEN,
  SUB,
  TOKEN_ENDPOINT,
  tokenBody,
  USERINFO_ENDPOINT,
  userinfoBody,
  type FakeProvider,
  type Handler,
} from '../helpers/provider.js';
import { clearTransactions, seedTransaction, storedTransaction } from '../helpers/transactions.js';
import { breakIndexedDb } from '../helpers/faults.js';

/** `<pkce-login>` that records where it would have navigated instead of leaving the test page. */
class TestPkceLogin extends PkceLogin {
  navigated: URL[] = [];
  /** Called from `navigate`, synchronously. */
  onNavigate: ((url: URL) => void) | undefined;
  /** What the very first render showed. */
  firstRender: { status: string | null; disabled: boolean | undefined; busy: string | null | undefined } | undefined;

  protected override navigate(url: URL): void {
    this.navigated.push(url);
    this.onNavigate?.(url);
  }

  protected override firstUpdated(changed: PropertyValues): void {
    super.firstUpdated(changed);
    // Right after the first render reaches the shadow root, before anything else happens.
    const button = this.shadowRoot?.querySelector('button');
    this.firstRender = { status: this.getAttribute('status'), disabled: button?.disabled, busy: button?.getAttribute('aria-busy') };
  }
}
const TAG = 'test-pkce-login-component';
customElements.define(TAG, TestPkceLogin);

const DEFAULT_ATTRIBUTES = { issuer: ISSUER, 'client-id': CLIENT_ID };

/** Elements mounted by the current test, and the end of its document listeners. */
let mounted: TestPkceLogin[] = [];
let listening = new AbortController();

/**
 * Creates the element with `attributes`, records its events (and those reaching `document`)
 * from before it connects, and attaches it with `fixture`.
 */
async function mount(attributes: Record<string, string> = DEFAULT_ATTRIBUTES, setup?: (el: TestPkceLogin) => void) {
  const el = document.createElement(TAG) as TestPkceLogin;
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
  const events = recordEvents(el);
  const atDocument = recordEvents(document, undefined, listening.signal);
  mounted.push(el);
  setup?.(el);
  await fixture(html`${el}`);
  return { el, events, atDocument };
}

function shadow(el: PkceLogin): ShadowRoot {
  return el.shadowRoot!;
}

function button(el: PkceLogin): HTMLButtonElement {
  return shadow(el).querySelector('button')!;
}

function part(el: PkceLogin, name: string): HTMLElement | null {
  return shadow(el).querySelector(`[part~="${name}"]`);
}

/**
 * A node's markup, for assertions: chai would otherwise try to print a DOM node in a failure
 * message, which can hang the test runner's serialisation.
 */
function markup(node: Element | null): string | null {
  return node?.outerHTML ?? null;
}

async function untilStatus(el: PkceLogin, status: string): Promise<void> {
  await waitUntil(() => el.status === status, `status stayed "${el.status}", expected "${status}"`, { timeout: 3000 });
  await el.updateComplete;
}

async function untilLoginOrError(events: RecordedEvent[]): Promise<void> {
  await waitUntil(() => events.some((e) => e.type === 'login' || e.type === 'error'), 'neither login nor error', { timeout: 3000 });
}

/** Waits for background work after an event (a post-failure discovery prefetch …) to finish. */
function settle(): Promise<void> {
  return aTimeout(50);
}

/** Asserts the signed-out view with a usable Log in button. */
function expectUsableSignedOut(el: PkceLogin): void {
  expect(el.status).to.equal('signed-out');
  expect(el.getAttribute('status')).to.equal('signed-out');
  expect(el.authenticated).to.equal(false);
  expect(el.user).to.equal(null);
  const login = part(el, 'login') as HTMLButtonElement | null;
  expect(login, 'Log in button').to.exist;
  expect(login!.tagName).to.equal('BUTTON');
  expect(login!.disabled).to.equal(false);
  expect(login!.getAttribute('aria-busy')).to.equal('false');
  expect(login!.textContent.trim()).to.equal('Log in');
  expect(markup(part(el, 'logout'))).to.equal(null);
}

interface SignedIn {
  el: TestPkceLogin;
  events: RecordedEvent[];
  atDocument: RecordedEvent[];
  provider: FakeProvider;
  record: TransactionRecord;
  /** The address without the authorization response: what the element should leave. */
  page: URL;
}

/**
 * Runs a successful callback: seeds the transaction, puts `?code&state&iss` (plus an unrelated
 * `keep=1` parameter and a `#section-2` hash) into the address, answers the token and userinfo
 * endpoints, mounts the element and waits for `login`.
 */
async function signIn(
  options: {
    claims?: Record<string, unknown>;
    userinfo?: Record<string, unknown>;
    returnTo?: string;
    token?: Handler;
    /** Called once the element is connected, before the callback completes. */
    connected?: (el: TestPkceLogin) => void;
  } = {},
): Promise<SignedIn> {
  const record = await seedTransaction({ returnTo: options.returnTo });
  const page = pageWith({ keep: '1' }, '#section-2');
  setAddress(withResponse(page, { code: 'the-code', state: record.state, iss: ISSUER }));
  const provider = installFakeProvider({
    [TOKEN_ENDPOINT]: options.token ?? (() => json(tokenBody(record.nonce, { claims: options.claims }))),
    [USERINFO_ENDPOINT]: () => json(userinfoBody(options.userinfo)),
  });
  const { el, events, atDocument } = await mount();
  options.connected?.(el);
  await untilLoginOrError(events);
  expect(ofType(events, 'error'), describeLog(events)).to.deep.equal([]);
  await el.updateComplete;
  return { el, events, atDocument, provider, record, page };
}

describe('<pkce-login>', () => {
  let unhandled: ReturnType<typeof watchUnhandledRejections>;

  beforeEach(() => {
    rememberAddress();
    unhandled = watchUnhandledRejections();
    mounted = [];
    listening = new AbortController();
  });

  afterEach(async () => {
    // A completed login is shared with every later element of the page for the same client:
    // forget it, so that the next test starts signed out.
    for (const el of mounted) await el.logout({ local: true });
    listening.abort();
    sinon.restore();
    restoreAddress();
    await clearTransactions();
    sessionStorage.clear();
    expect(await unhandled.stop(), 'unhandled rejections').to.deep.equal([]);
  });

  describe('callback', () => {
    it('should complete the login: token then login, signed-in view, clean URL, transaction deleted, one token request', async () => {
      const { el, events, atDocument, provider, record, page } = await signIn();

      expect(events.map((e) => e.type)).to.deep.equal(['token', 'login']);
      const [token, login] = events;

      expect(Object.keys(token!.detail).sort()).to.deep.equal(['accessToken', 'expiresAt', 'idToken', 'scope', 'tokenType']);
      expect(token!.detail).to.include({ accessToken: ACCESS_TOKEN, tokenType: 'Bearer', scope: 'openid profile email offline_access' });
      expect(token!.detail.expiresAt).to.be.a('number').and.within(Date.now() + 3_590_000, Date.now() + 3_600_000);
      expect(token!.detail.idToken).to.be.a('string').and.match(/^[\w-]+\.[\w-]+\.[\w-]*$/);

      expect(Object.keys(login!.detail).sort()).to.deep.equal(['restored', 'user']);
      expect(login!.detail.restored).to.equal(false);
      expect(login!.detail.user).to.include({ sub: SUB, name: 'Ada Lovelace', email: 'ada@example.com', picture: AVATAR });

      expect(el.status).to.equal('signed-in');
      expect(el.getAttribute('status')).to.equal('signed-in');
      expect(el.authenticated).to.equal(true);
      expect(el.user).to.include({ sub: SUB, name: 'Ada Lovelace' });

      expect(part(el, 'user')!.textContent).to.equal('Ada Lovelace');
      const avatar = part(el, 'avatar') as HTMLImageElement;
      expect(avatar.tagName).to.equal('IMG');
      expect(avatar.getAttribute('src')).to.equal(AVATAR);
      expect(avatar.getAttribute('alt')).to.equal('');
      const logout = part(el, 'logout') as HTMLButtonElement;
      expect(logout.tagName).to.equal('BUTTON');
      expect(logout.textContent.trim()).to.equal('Log out');
      expect(markup(part(el, 'login'))).to.equal(null);

      // The response is gone from the address, the rest of it is kept.
      expect(location.href).to.equal(page.href);

      const tokenRequests = provider.to(TOKEN_ENDPOINT);
      expect(tokenRequests).to.have.length(1);
      expect(tokenRequests[0]!.body.get('code')).to.equal('the-code');
      expect(tokenRequests[0]!.body.get('code_verifier')).to.equal(record.codeVerifier);
      // The address was cleaned before the exchange.
      expect(tokenRequests[0]!.pageUrl).to.equal(page.href);
      // The callback needs no discovery: the transaction carries the endpoints.
      expect(provider.to(DISCOVERY_URL)).to.have.length(0);

      expect(await storedTransaction(record.state)).to.equal(undefined);

      // token and login bubble and cross shadow roots.
      expect(atDocument.map((e) => e.type)).to.deep.equal(['token', 'login']);
      for (const { event } of atDocument) {
        expect(event.bubbles, event.type).to.equal(true);
        expect(event.composed, event.type).to.equal(true);
      }
    });

    it('should never expose the refresh token, nor keep tokens in the URL, cookies or Web Storage', async () => {
      const { el, events } = await signIn();
      expect(JSON.stringify(events.map((e) => e.detail))).not.to.include(REFRESH_TOKEN);
      expect(JSON.stringify(el.user)).not.to.include(REFRESH_TOKEN);
      for (const where of [location.href, document.cookie, JSON.stringify({ ...localStorage }), JSON.stringify({ ...sessionStorage })]) {
        expect(where).not.to.include(ACCESS_TOKEN);
        expect(where).not.to.include(REFRESH_TOKEN);
      }
    });

    it('should land on the same-origin returnTo of the login after the callback', async () => {
      const returnTo = new URL('/after/login?tab=2#top', location.href).href;
      const { events } = await signIn({ returnTo });
      expect(ofType(events, 'login')[0]!.detail.returnTo).to.equal(returnTo);
      expect(location.href).to.equal(returnTo);
    });

    it('should show signing-in while the code exchange is under way', async () => {
      const release = deferred<Response>();
      const record = await seedTransaction();
      setAddress(withResponse(pageWith(), { code: 'c', state: record.state, iss: ISSUER }));
      const provider = installFakeProvider({ [TOKEN_ENDPOINT]: () => release.promise });
      const { el, events } = await mount();

      await waitUntil(() => provider.to(TOKEN_ENDPOINT).length === 1, 'no token request');
      await el.updateComplete;
      expect(el.status).to.equal('signing-in');
      expect(el.getAttribute('status')).to.equal('signing-in');
      expect(button(el).disabled).to.equal(true);
      expect(button(el).getAttribute('aria-busy')).to.equal('true');

      release.resolve(json(tokenBody(record.nonce)));
      await untilEvent(events, 'login');
      expect(el.status).to.equal('signed-in');
    });

    it('should emit token as soon as the code is exchanged, usable at once, and login once userinfo has answered', async () => {
      const userinfo = deferred<Response>();
      const record = await seedTransaction();
      setAddress(withResponse(pageWith(), { code: 'c', state: record.state, iss: ISSUER }));
      const provider = installFakeProvider({
        [TOKEN_ENDPOINT]: () => json(tokenBody(record.nonce)),
        [USERINFO_ENDPOINT]: () => userinfo.promise,
      });
      let tokenInHandler: Promise<string> | undefined;
      const { el, events } = await mount(DEFAULT_ATTRIBUTES, (element) =>
        element.addEventListener('token', () => void (tokenInHandler ??= element.getAccessToken()), { signal: listening.signal }),
      );

      await untilEvent(events, 'token');
      await waitUntil(() => provider.to(USERINFO_ENDPOINT).length === 1, 'no userinfo request');
      expect(events.map((e) => e.type)).to.deep.equal(['token']);
      expect(await tokenInHandler).to.equal(ACCESS_TOKEN);

      userinfo.resolve(json(userinfoBody({ name: 'Ada King' })));
      await untilEvent(events, 'login');
      expect(events.map((e) => e.type), 'token once, then login').to.deep.equal(['token', 'login']);
      expect(ofType(events, 'login')[0]!.detail.user).to.include({ name: 'Ada King', email: 'ada@example.com' });
      expect(el.status).to.equal('signed-in');
    });

    it('should reflect every status change in the status attribute', async () => {
      const oldValues: (string | null)[] = [];
      const observer = new MutationObserver((records) => oldValues.push(...records.map((r) => r.oldValue)));
      const record = await seedTransaction();
      setAddress(withResponse(pageWith(), { code: 'c', state: record.state, iss: ISSUER }));
      installFakeProvider({ [TOKEN_ENDPOINT]: () => json(tokenBody(record.nonce)) });
      const { el, events } = await mount(DEFAULT_ATTRIBUTES, (element) =>
        observer.observe(element, { attributes: true, attributeFilter: ['status'], attributeOldValue: true }),
      );
      await untilEvent(events, 'login');
      oldValues.push(...observer.takeRecords().map((r) => r.oldValue));
      observer.disconnect();
      // The old value of each change, then the current value: the values the attribute went through.
      const values = [...oldValues, el.getAttribute('status')];
      const sequence = values.filter((v, i) => v !== null && v !== values[i - 1]);
      expect(sequence).to.deep.equal(['loading', 'signing-in', 'signed-in']);

      await el.logout({ local: true });
      expect(el.getAttribute('status')).to.equal('signed-out');
    });
  });

  describe('storage', () => {
    for (const how of ['throws', 'fails'] as const) {
      it(`should keep the transaction in sessionStorage when IndexedDB ${how}, and complete the login from there`, async () => {
        let nonce: string | null = null;
        const provider = installFakeProvider({ [TOKEN_ENDPOINT]: () => json(tokenBody(nonce ?? undefined)) });
        breakIndexedDb(how);
        const first = await mount();
        await untilStatus(first.el, 'signed-out');
        await first.el.login();
        expect(ofType(first.events, 'error'), describeLog(first.events)).to.have.length(0);
        const authorization = first.el.navigated[0]!;
        const state = authorization.searchParams.get('state')!;
        nonce = authorization.searchParams.get('nonce');
        const stored = JSON.parse(sessionStorage.getItem(`pkce-login:${state}`)!) as TransactionRecord;
        expect(stored).to.include({ state, issuer: ISSUER, clientId: CLIENT_ID });
        first.el.remove();

        setAddress(withResponse(pageWith(), { code: 'the-code', state, iss: ISSUER }));
        const { el, events } = await mount();
        await untilLoginOrError(events);
        expect(ofType(events, 'error'), describeLog(events)).to.have.length(0);
        expect(el.status).to.equal('signed-in');
        expect(provider.to(TOKEN_ENDPOINT)[0]!.body.get('code_verifier')).to.equal(stored.codeVerifier);
        expect(sessionStorage.getItem(`pkce-login:${state}`), 'used once').to.equal(null);
      });
    }
  });

  describe('two elements on one callback page', () => {
    it('should make one token request and sign both in', async () => {
      const record = await seedTransaction();
      const page = pageWith();
      setAddress(withResponse(page, { code: 'the-code', state: record.state, iss: ISSUER }));
      const provider = installFakeProvider({ [TOKEN_ENDPOINT]: () => json(tokenBody(record.nonce)) });
      const [a, b] = await Promise.all([mount(), mount()]);
      await untilEvent(a.events, 'login');
      await untilEvent(b.events, 'login');
      await settle();
      expect(provider.to(TOKEN_ENDPOINT)).to.have.length(1);
      for (const { el, events } of [a, b]) {
        expect(events.map((e) => e.type), describeLog(events)).to.deep.equal(['token', 'login']);
        expect(el.status).to.equal('signed-in');
        expect(el.user).to.include({ sub: SUB });
      }
      expect(location.href).to.equal(page.href);
    });
  });

  describe('errors', () => {
    interface ErrorCase {
      name: string;
      code: string;
      description?: string;
      /**
       * Prepares the page: the stored transaction, the address, the provider. Returns the state
       * used and the address without the authorization response.
       */
      setup(): Promise<{ provider: FakeProvider; state?: string; page: URL }>;
      tokenRequests: number;
      /** Whether the transaction should be gone afterwards (it is used once, whatever the outcome). */
      consumed?: boolean;
    }

    /** A callback for a stored transaction; `response` overrides the response parameters. */
    async function callback(
      response: (record: TransactionRecord) => Record<string, string>,
      routes: (record: TransactionRecord) => Record<string, Handler> = () => ({}),
      seed: Parameters<typeof seedTransaction>[0] = {},
    ) {
      const record = await seedTransaction(seed);
      const page = pageWith({ keep: '1' }, '#h');
      setAddress(withResponse(page, response(record)));
      return { provider: installFakeProvider(routes(record)), state: record.state, page };
    }
    const ok = (record: TransactionRecord) => ({ code: 'the-code', state: record.state, iss: ISSUER });
    const token = (handler: (record: TransactionRecord) => Handler) => (record: TransactionRecord) => ({ [TOKEN_ENDPOINT]: handler(record) });

    const cases: ErrorCase[] = [
      {
        name: 'a state with no stored transaction',
        code: 'state_mismatch',
        tokenRequests: 0,
        async setup() {
          const page = pageWith({ keep: '1' }, '#h');
          setAddress(withResponse(page, { code: 'the-code', state: 'never-stored-state', iss: ISSUER }));
          return { provider: installFakeProvider(), page };
        },
      },
      {
        name: 'an expired transaction',
        code: 'state_mismatch',
        tokenRequests: 0,
        consumed: true,
        setup: () => callback(ok, undefined, { record: { createdAt: Date.now() - 700_000, expiresAt: Date.now() - 100_000 } }),
      },
      {
        name: 'a duplicated state parameter',
        code: 'state_mismatch',
        tokenRequests: 0,
        async setup() {
          const record = await seedTransaction();
          const page = pageWith({ keep: '1' }, '#h');
          const url = withResponse(page, { code: 'the-code', state: record.state, iss: ISSUER });
          url.searchParams.append('state', 'second-state');
          setAddress(url);
          return { provider: installFakeProvider(), state: record.state, page };
        },
      },
      {
        name: 'an iss of another issuer',
        code: 'iss_mismatch',
        tokenRequests: 0,
        consumed: true,
        setup: () => callback((record) => ({ code: 'the-code', state: record.state, iss: 'https://evil.example/' })),
      },
      {
        name: 'no iss while the provider advertises it',
        code: 'iss_mismatch',
        tokenRequests: 0,
        consumed: true,
        setup: () => callback((record) => ({ code: 'the-code', state: record.state })),
      },
      {
        name: "the provider's access_denied",
        code: 'access_denied',
        description: 'The user cancelled',
        tokenRequests: 0,
        consumed: true,
        setup: () =>
          callback((record) => ({ error: 'access_denied', error_description: 'The user cancelled', state: record.state, iss: ISSUER })),
      },
      {
        name: "the token endpoint's invalid_grant",
        code: 'invalid_grant',
        description: 'code already used',
        tokenRequests: 1,
        consumed: true,
        setup: () => callback(ok, token(() => () => json({ error: 'invalid_grant', error_description: 'code already used' }, 400))),
      },
      {
        name: 'a token request that fails to complete',
        code: 'network_error',
        tokenRequests: 1,
        consumed: true,
        setup: () => callback(ok, token(() => () => Promise.reject(networkFailure()))),
      },
      {
        name: 'a 500 HTML page from the token endpoint',
        code: 'invalid_response',
        tokenRequests: 1,
        consumed: true,
        setup: () =>
          callback(ok, token(() => () => new Response('<h1>Oops</h1>', { status: 500, headers: { 'content-type': 'text/html' } }))),
      },
      {
        name: 'an ID token with a wrong nonce',
        code: 'id_token_invalid',
        tokenRequests: 1,
        consumed: true,
        setup: () => callback(ok, token(() => () => json(tokenBody('not-the-nonce')))),
      },
      {
        name: 'an ID token issued an hour in the future',
        code: 'clock_skew',
        tokenRequests: 1,
        consumed: true,
        setup: () =>
          callback(ok, token((record) => () => json(tokenBody(record.nonce, { claims: { iat: nowSeconds() + 3600, exp: nowSeconds() + 7200 } })))),
      },
    ];

    for (const c of cases) {
      it(`should report ${c.code} for ${c.name}, once, and stay usable`, async () => {
        const { provider, state, page } = await c.setup();
        const { el, events, atDocument } = await mount();
        const error = await untilEvent(events, 'error');
        await settle();
        await el.updateComplete;

        expect(ofType(events, 'error'), describeLog(events)).to.have.length(1);
        expect(error.detail.code, error.detail.message).to.equal(c.code);
        expect(error.detail.message).to.be.a('string').and.not.equal('');
        if (c.description) expect(error.detail.description).to.equal(c.description);
        expect(ofType(events, 'token')).to.have.length(0);
        expect(ofType(events, 'login')).to.have.length(0);
        expect(error.event.bubbles).to.equal(false);
        expect(error.event.composed).to.equal(false);
        expect(ofType(atDocument, 'error')).to.have.length(0);

        expectUsableSignedOut(el);
        expect(provider.to(TOKEN_ENDPOINT)).to.have.length(c.tokenRequests);
        expect(el.navigated).to.have.length(0);
        // The response parameters are gone from the address whatever the outcome.
        expect(location.href).to.equal(page.href);
        if (c.consumed) {
          sinon.restore();
          expect(await storedTransaction(state!)).to.equal(undefined);
        }
        expect(await unhandled.stop()).to.deep.equal([]);
      });
    }

    it('should report invalid_config at connect, naming the attribute, with a disabled button, and never navigate', async () => {
      const provider = installFakeProvider();
      const { el, events } = await mount({ 'client-id': CLIENT_ID });
      const error = await untilEvent(events, 'error');
      await settle();
      expect(ofType(events, 'error')).to.have.length(1);
      expect(error.detail.code).to.equal('invalid_config');
      expect(error.detail.message).to.include('"issuer"');
      expect(error.event.bubbles).to.equal(false);
      expect(el.status).to.equal('signed-out');
      expect(button(el).disabled).to.equal(true);

      await el.login();
      expect(el.navigated).to.have.length(0);
      expect(provider.requests).to.have.length(0);
      expect(ofType(events, 'error').map((e) => e.detail.code)).to.deep.equal(['invalid_config', 'invalid_config']);
    });

    it('should report invalid_config for an http issuer, and enable the button once the issuer is fixed', async () => {
      installFakeProvider();
      const { el, events } = await mount({ issuer: 'http://op.example/', 'client-id': CLIENT_ID });
      const error = await untilEvent(events, 'error');
      expect(error.detail.message).to.include('"issuer"');
      expect(button(el).disabled).to.equal(true);

      el.issuer = ISSUER;
      await el.updateComplete;
      await settle();
      expectUsableSignedOut(el);
      expect(ofType(events, 'error')).to.have.length(1);
    });

    it('should apply a configuration changed while the element starts, once the start is over', async () => {
      installFakeProvider();
      const { el, events } = await mount();
      // The start is under way (reading the stored session): the change must not be lost.
      expect(el.status).to.equal('loading');
      el.clientId = '';
      await untilStatus(el, 'signed-out');
      await settle();
      const errors = ofType(events, 'error');
      expect(errors.map((e) => e.detail.code)).to.deep.equal(['invalid_config']);
      expect(errors[0]!.detail.message).to.include('client-id');
      expect(button(el).disabled, 'the Log in button of an invalid configuration').to.equal(true);
    });

    it('should report discovery_failed at connect when the provider metadata names another issuer, and stay usable', async () => {
      const provider = installFakeProvider({ [DISCOVERY_URL]: () => json(providerMetadata({ issuer: 'https://evil.example/' })) });
      const { el, events } = await mount();
      const error = await untilEvent(events, 'error');
      await settle();
      expect(ofType(events, 'error')).to.have.length(1);
      expect(error.detail.code).to.equal('discovery_failed');
      expectUsableSignedOut(el);
      expect(provider.to(DISCOVERY_URL)).to.have.length(1);
      expect(await unhandled.stop()).to.deep.equal([]);
    });

    it('should report discovery_failed on a click when the provider cannot be reached, and not navigate', async () => {
      const provider = installFakeProvider({ [DISCOVERY_URL]: () => Promise.reject(networkFailure()) });
      const { el, events } = await mount();
      await untilEvent(events, 'error');
      await settle();
      button(el).click();
      await waitUntil(() => ofType(events, 'error').length === 2, describeLog(events));
      await settle();
      expect(ofType(events, 'error').map((e) => e.detail.code)).to.deep.equal(['discovery_failed', 'discovery_failed']);
      expect(el.navigated).to.have.length(0);
      expect(provider.to(DISCOVERY_URL)).to.have.length(2);
      expectUsableSignedOut(el);
    });

    // A store in this page's memory would be lost by the redirect: the login must not start.
    it('should report storage_unavailable and not navigate when neither IndexedDB nor sessionStorage can hold the transaction', async () => {
      installFakeProvider();
      breakIndexedDb('throws');
      sinon.stub(Storage.prototype, 'setItem').throws(new DOMException('The quota has been exceeded.', 'QuotaExceededError'));
      const { el, events } = await mount();
      await untilStatus(el, 'signed-out');
      button(el).click();
      await waitUntil(() => el.navigated.length > 0 || events.length > 0, 'neither navigation nor event');
      await settle();
      expect(el.navigated, 'navigated to a login whose transaction is lost on navigation').to.have.length(0);
      expect(ofType(events, 'error').map((e) => e.detail.code)).to.deep.equal(['storage_unavailable']);
      expectUsableSignedOut(el);
    });
  });

  describe('login()', () => {
    it('should store the transaction before navigating, with every authorization request parameter', async () => {
      const provider = installFakeProvider();
      const { el, events } = await mount({ ...DEFAULT_ATTRIBUTES, audience: 'https://api.example/', lang: 'fr' });
      el.authorizationParams = { prompt: 'login', login_hint: 'ada@example.com', state: 'attacker-state' };
      await untilStatus(el, 'signed-out');

      // Record when the transaction's IndexedDB write commits, relative to navigate().
      const order: string[] = [];
      const transaction = IDBDatabase.prototype.transaction;
      sinon.stub(IDBDatabase.prototype, 'transaction').callsFake(function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
        const tx = transaction.apply(this, args);
        if (args[0] === 'transactions' && args[1] === 'readwrite') tx.addEventListener('complete', () => order.push('committed'));
        return tx;
      });
      el.onNavigate = () => order.push('navigate');

      button(el).click();
      await waitUntil(() => el.navigated.length === 1, 'no navigation', { timeout: 3000, interval: 5 });
      expect(order).to.deep.equal(['committed', 'navigate']);
      expect(el.status).to.equal('signing-in');
      expect(ofType(events, 'error')).to.have.length(0);

      const url = el.navigated[0]!;
      expect(url.origin + url.pathname).to.equal(AUTHORIZATION_ENDPOINT);
      const params = url.searchParams;
      const redirectUri = location.origin + location.pathname;
      expect(params.get('response_type')).to.equal('code');
      expect(params.get('client_id')).to.equal(CLIENT_ID);
      expect(params.get('redirect_uri')).to.equal(redirectUri);
      expect(params.get('scope')).to.equal('openid profile email offline_access');
      expect(params.get('code_challenge_method')).to.equal('S256');
      expect(params.get('audience')).to.equal('https://api.example/');
      expect(params.get('ui_locales')).to.equal('fr');
      expect(params.get('prompt')).to.equal('login');
      expect(params.get('login_hint')).to.equal('ada@example.com');
      const state = params.get('state')!;
      expect(params.getAll('state')).to.have.length(1);
      expect(state).to.match(/^[\w-]{22,}$/).and.not.equal('attacker-state');
      expect(params.get('nonce')).to.match(/^[\w-]{22,}$/);

      sinon.restore();
      const record = await storedTransaction(state);
      expect(record, 'stored transaction').to.exist;
      expect(record).to.include({ state, issuer: ISSUER, clientId: CLIENT_ID, redirectUri, nonce: params.get('nonce') });
      expect(params.get('code_challenge')).to.equal(await s256(record!.codeVerifier));
      expect(record!.codeVerifier).to.match(/^[A-Za-z0-9\-._~]{43,128}$/);
      expect(record!.metadata.token_endpoint).to.equal(TOKEN_ENDPOINT);
      expect(record!.expiresAt - record!.createdAt).to.equal(600_000);

      // The click used the discovery prefetched at connect.
      expect(provider.to(DISCOVERY_URL)).to.have.length(1);
    });

    it('should let login options override the authorizationParams property', async () => {
      installFakeProvider();
      const { el } = await mount();
      el.authorizationParams = { prompt: 'login' };
      await untilStatus(el, 'signed-out');
      await el.login({ authorizationParams: { prompt: 'none', max_age: 0 } });
      expect(el.navigated[0]!.searchParams.get('prompt')).to.equal('none');
      expect(el.navigated[0]!.searchParams.get('max_age')).to.equal('0');
    });

    it('should keep parallel logins apart: each gets its own transaction', async () => {
      installFakeProvider();
      const first = await mount();
      const second = await mount();
      await untilStatus(first.el, 'signed-out');
      await untilStatus(second.el, 'signed-out');
      await Promise.all([first.el.login(), second.el.login()]);
      const states = [first.el, second.el].map((el) => el.navigated[0]!.searchParams.get('state')!);
      expect(states[0]).not.to.equal(states[1]);
      sinon.restore();
      for (const state of states) expect(await storedTransaction(state)).to.exist;
    });

    for (const returnTo of ['https://evil.example/', '//evil.example/', 'javascript:alert(1)']) {
      it(`should refuse returnTo ${returnTo} with an error and not navigate`, async () => {
        const provider = installFakeProvider();
        const { el, events } = await mount();
        await untilStatus(el, 'signed-out');
        await el.login({ returnTo });
        await settle();
        const errors = ofType(events, 'error');
        expect(errors).to.have.length(1);
        expect(errors[0]!.detail.code).to.equal('invalid_config');
        expect(errors[0]!.detail.message).to.include('returnTo');
        expect(el.navigated).to.have.length(0);
        expect(provider.to(TOKEN_ENDPOINT)).to.have.length(0);
        expectUsableSignedOut(el);
      });
    }

    it('should carry a same-origin returnTo through the provider round trip', async () => {
      let nonce: string | null = null;
      installFakeProvider({ [TOKEN_ENDPOINT]: () => json(tokenBody(nonce ?? undefined)) });
      const first = await mount();
      await untilStatus(first.el, 'signed-out');
      await first.el.login({ returnTo: '/after?x=1#y' });
      const authorization = first.el.navigated[0]!;
      nonce = authorization.searchParams.get('nonce');
      first.el.remove();

      // The provider redirects back to the redirect URI.
      setAddress(withResponse(new URL(authorization.searchParams.get('redirect_uri')!), {
        code: 'the-code',
        state: authorization.searchParams.get('state')!,
        iss: ISSUER,
      }));
      const { el, events } = await mount();
      const login = await untilEvent(events, 'login');
      const expected = new URL('/after?x=1#y', location.origin).href;
      expect(login.detail.returnTo).to.equal(expected);
      expect(location.href).to.equal(expected);
      expect(el.status).to.equal('signed-in');
    });

    it('should make the button usable again when the page comes back from the back-forward cache', async () => {
      installFakeProvider();
      const { el } = await mount();
      await untilStatus(el, 'signed-out');
      await el.login();
      expect(el.navigated).to.have.length(1);
      await el.updateComplete;
      expect(el.status).to.equal('signing-in');
      expect(button(el).disabled).to.equal(true);

      window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: false }));
      await el.updateComplete;
      expect(el.status).to.equal('signing-in');

      window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
      await el.updateComplete;
      expectUsableSignedOut(el);
    });

    it('should ignore a second login while one is under way', async () => {
      const release = deferred<Response>();
      const provider = installFakeProvider({ [DISCOVERY_URL]: () => release.promise });
      const { el } = await mount();
      await untilStatus(el, 'signed-out');
      const clicks = [el.login(), el.login()];
      release.resolve(json(providerMetadata()));
      await Promise.all(clicks);
      expect(el.navigated).to.have.length(1);
      expect(provider.to(DISCOVERY_URL)).to.have.length(1);
    });
  });

  describe('logout', () => {
    it('should sign out on the Log out button: logout event, then RP-initiated logout at the provider', async () => {
      const { el, events, atDocument } = await signIn();
      const idToken = ofType(events, 'token')[0]!.detail.idToken as string;
      const logout = oneEvent(el, 'logout');
      (part(el, 'logout') as HTMLButtonElement).click();
      const event = await logout;
      await el.updateComplete;

      expect(event.detail).to.deep.equal({ reason: 'user' });
      expect(event.bubbles).to.equal(true);
      expect(event.composed).to.equal(true);
      expect(ofType(atDocument, 'logout')).to.have.length(1);

      expect(el.navigated).to.have.length(1);
      const url = el.navigated[0]!;
      expect(url.origin + url.pathname).to.equal(END_SESSION_ENDPOINT);
      expect(url.searchParams.get('state')).to.match(/^l\.[A-Za-z0-9_-]{22,}$/);
      expect(Object.fromEntries(url.searchParams)).to.deep.equal({
        id_token_hint: idToken,
        post_logout_redirect_uri: location.origin + location.pathname,
        client_id: CLIENT_ID,
        state: url.searchParams.get('state'),
      });
      expectUsableSignedOut(el);
    });

    it('should use the post-logout-redirect-uri attribute', async () => {
      const { el } = await signIn();
      el.postLogoutRedirectUri = '/goodbye';
      await el.updateComplete;
      await el.logout();
      expect(el.navigated[0]!.searchParams.get('post_logout_redirect_uri')).to.equal(new URL('/goodbye', location.href).href);
    });

    it('should only forget the session here with logout({ local: true })', async () => {
      const { el, events } = await signIn();
      await el.logout({ local: true });
      await el.updateComplete;
      expect(el.navigated).to.have.length(0);
      expect(ofType(events, 'logout').map((e) => e.detail)).to.deep.equal([{ reason: 'user' }]);
      expectUsableSignedOut(el);
    });

    it('should not emit logout when already signed out', async () => {
      installFakeProvider();
      const { el, events } = await mount();
      await untilStatus(el, 'signed-out');
      await el.logout();
      expect(ofType(events, 'logout')).to.have.length(0);
      expect(el.navigated).to.have.length(0);
    });
  });

  describe('getAccessToken()', () => {
    it('should resolve to the access token when signed in', async () => {
      const { el } = await signIn();
      expect(await el.getAccessToken()).to.equal(ACCESS_TOKEN);
    });

    it('should reject with login_required when signed out', async () => {
      installFakeProvider();
      const { el } = await mount();
      await untilStatus(el, 'signed-out');
      let error: unknown;
      await el.getAccessToken().catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(PkceLoginError);
      expect(error).to.include({ code: 'login_required' });
    });

    it('should reject with login_required after logout', async () => {
      const { el } = await signIn();
      await el.logout({ local: true });
      let error: unknown;
      await el.getAccessToken().catch((e: unknown) => (error = e));
      expect(error).to.include({ code: 'login_required' });
    });
  });

  describe('rendering', () => {
    it('should render loading as a disabled, busy button', async () => {
      installFakeProvider();
      const { el } = await mount();
      expect(el.firstRender).to.deep.equal({ status: 'loading', disabled: true, busy: 'true' });
    });

    it('should render signed out as one enabled "Log in" button', async () => {
      installFakeProvider();
      const { el } = await mount();
      await untilStatus(el, 'signed-out');
      expectUsableSignedOut(el);
      expect(shadow(el).querySelectorAll('button').length).to.equal(1);
      expect(button(el).getAttribute('part')).to.equal('button login');
    });

    it('should render the name as text: markup in a claim creates no element', async () => {
      const name = '<img src=x onerror="window.__pkceLoginPwned=true">Mallory';
      const { el } = await signIn({ userinfo: { name } });
      await aTimeout(20);
      expect(part(el, 'user')!.textContent).to.equal(name);
      expect(part(el, 'user')!.childElementCount).to.equal(0);
      expect(shadow(el).querySelectorAll('img').length).to.equal(1);
      expect(shadow(el).querySelector('img')!.getAttribute('part')).to.equal('avatar');
      expect((window as unknown as Record<string, unknown>).__pkceLoginPwned).to.equal(undefined);
    });

    it('should fall back to preferred_username, then email, then sub for the name', async () => {
      const { el } = await signIn({ claims: { name: undefined }, userinfo: { name: undefined, preferred_username: undefined } });
      expect(part(el, 'user')!.textContent).to.equal('ada@example.com');
    });

    const pictures: [string, string, boolean][] = [
      ['an https picture', 'https://cdn.example/ada.png', true],
      ['an http picture', 'http://cdn.example/ada.png', true],
      ['a data:image picture', AVATAR, true],
      ['a javascript: picture', 'javascript:alert(1)', false],
      ['a data:text/html picture', 'data:text/html,<script>alert(1)</script>', false],
      ['a relative picture', '/ada.png', false],
    ];
    for (const [what, picture, shown] of pictures) {
      it(`should ${shown ? '' : 'not '}show ${what} as the avatar`, async () => {
        // Every image the element puts in its shadow root: cdn.example does not answer, and a
        // picture that fails to load gives way to the initials at once.
        const sources: (string | null)[] = [];
        const observer = new MutationObserver((records) => {
          for (const node of records.flatMap((r) => [...r.addedNodes])) {
            if (!(node instanceof Element)) continue;
            for (const img of [node, ...node.querySelectorAll('img')]) {
              if (img instanceof HTMLImageElement) sources.push(img.getAttribute('src'));
            }
          }
        });
        const { el } = await signIn({
          userinfo: { picture },
          connected: (element) => observer.observe(shadow(element), { childList: true, subtree: true }),
        });
        observer.disconnect();
        expect(sources).to.deep.equal(shown ? [picture] : []);
        if (picture === AVATAR) {
          expect(part(el, 'avatar')!.getAttribute('src')).to.equal(picture);
          return;
        }
        await waitUntil(() => part(el, 'initials'), 'initials in place of the picture', { timeout: 3000 });
        expect(part(el, 'initials')!.textContent).to.equal('AL');
        expect(shadow(el).querySelectorAll('img').length).to.equal(0);
      });
    }

    it('should take labels from the messages property', async () => {
      installFakeProvider();
      const { el } = await mount();
      await untilStatus(el, 'signed-out');
      el.messages = { login: 'Se connecter' };
      await el.updateComplete;
      expect(button(el).textContent.trim()).to.equal('Se connecter');
    });

    it('should take the Log out label from the messages property', async () => {
      const { el } = await signIn();
      el.messages = { logout: 'Se déconnecter' };
      await el.updateComplete;
      expect(part(el, 'logout')!.textContent.trim()).to.equal('Se déconnecter');
    });

    it('should be accessible signed out', async () => {
      installFakeProvider();
      const { el } = await mount();
      await untilStatus(el, 'signed-out');
      await expect(el).to.be.accessible();
    });

    it('should be accessible signed in', async () => {
      const { el } = await signIn();
      await expect(el).to.be.accessible();
    });
  });
});
