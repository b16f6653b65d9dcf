/// <reference types="mocha" />
/**
 * LoginFlowController on its own, with a plain ReactiveControllerHost, real session and popup
 * controllers, recording callbacks (which hold the status, as the element does) and a fake
 * provider: an invalid configuration, a second login while signing in, the discovery prefetch,
 * a page restored from the back-forward cache, and logout with and without the provider's
 * end-session endpoint. Nothing here navigates: `navigate` is a callback.
 */
import { expect, waitUntil } from '@open-wc/testing';
import { clear, get, keys, values } from 'idb-keyval';
import { closeDatabase, objectStore } from '../../../src/storage/database.js';
import type { TransactionRecord } from '../../../src/storage/transaction-store.js';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import sinon from 'sinon';
import {
  LoginFlowController,
  type LoginFlowCallbacks,
  type PkceLoginStatus,
} from '../../../src/controllers/login-flow-controller.js';
import { PopupController } from '../../../src/controllers/popup-controller.js';
import { SessionController } from '../../../src/controllers/session-controller.js';
import type { PkceLoginError } from '../../../src/errors.js';
import type { LogoutReason, TokenEventDetail } from '../../../src/events.js';
import { resolveConfig, type ConfigInput } from '../../../src/protocol/config.js';
import { SessionKeeper, sessionKey, type Session } from '../../../src/session/session-keeper.js';
import {
  AUTHORIZATION_ENDPOINT,
  deferred,
  DISCOVERY_URL,
  END_SESSION_ENDPOINT,
  installFakeProvider,
  ISSUER,
  json,
  providerMetadata,
  REFRESH_TOKEN,
} from '../../helpers/provider.js';
import { clearTransactions, elementStore } from '../../helpers/transactions.js';
import { withRequestIdleCallback } from '../../helpers/idle.js';

const REVOCATION_ENDPOINT = 'https://op.example/revoke';
const ID_TOKEN = 'id-token-flow';

/** A plain host: connect() / disconnect() play the element entering and leaving the document. */
class PlainHost implements ReactiveControllerHost {
  readonly controllers: ReactiveController[] = [];
  updateRequests = 0;
  addController(controller: ReactiveController): void {
    this.controllers.push(controller);
  }
  removeController(controller: ReactiveController): void {
    this.controllers.splice(this.controllers.indexOf(controller), 1);
  }
  requestUpdate(): void {
    this.updateRequests += 1;
  }
  get updateComplete(): Promise<boolean> {
    return Promise.resolve(true);
  }
  connect(): void {
    for (const controller of this.controllers) controller.hostConnected?.();
  }
  disconnect(): void {
    for (const controller of this.controllers) controller.hostDisconnected?.();
  }
}

/** The element's side: holds the status, records every call. */
class Recorder implements LoginFlowCallbacks {
  current: PkceLoginStatus = 'loading';
  statuses: PkceLoginStatus[] = [];
  signIns: { restored: boolean; returnTo: string | undefined }[] = [];
  signOuts: { reason: LogoutReason; wasSignedIn: boolean }[] = [];
  tokens: TokenEventDetail[] = [];
  errors: { error: PkceLoginError; quiet: boolean | undefined }[] = [];
  navigations: URL[] = [];
  /** Calls in order, by name. */
  calls: string[] = [];

  status(): PkceLoginStatus {
    return this.current;
  }
  setStatus(status: PkceLoginStatus): void {
    this.current = status;
    this.statuses.push(status);
    this.calls.push(`setStatus(${status})`);
  }
  signIn(restored: boolean, returnTo?: string): void {
    this.current = 'signed-in';
    this.signIns.push({ restored, returnTo });
    this.calls.push('signIn');
  }
  signOut(reason: LogoutReason, wasSignedIn: boolean): void {
    if (this.current !== 'loading') this.current = 'signed-out';
    this.signOuts.push({ reason, wasSignedIn });
    this.calls.push('signOut');
  }
  token(detail: TokenEventDetail): void {
    this.tokens.push(detail);
    this.calls.push('token');
  }
  error(error: PkceLoginError, quiet?: boolean): void {
    this.errors.push({ error, quiet });
    this.calls.push(`error(${error.code})`);
  }
  navigate(url: URL): void {
    this.navigations.push(url);
    this.calls.push('navigate');
  }
  authorizationParams() {
    return {};
  }
  uiLocale(): string | undefined {
    return undefined;
  }
}

let clients = 0;
const sessionStore = objectStore('sessions');

interface Flow {
  flow: LoginFlowController;
  host: PlainHost;
  callbacks: Recorder;
  session: SessionController;
  input: ConfigInput;
}

/** A login flow for a client of its own (the page's completed logins and stored sessions are per client). */
function makeFlow(input: ConfigInput = {}): Flow {
  const host = new PlainHost();
  const callbacks = new Recorder();
  const session = new SessionController(host, {
    changed: () => undefined,
    ended: (reason) => callbacks.signOut(reason, true),
    renewalFailed: (error) => callbacks.error(error, true),
  });
  const popup = new PopupController(host);
  const fullInput: ConfigInput = { issuer: ISSUER, clientId: `flow-client-${Date.now()}-${clients++}`, ...input };
  const flow = new LoginFlowController(host, fullInput, session, popup, callbacks);
  flows.push({ flow, host, callbacks, session, input: fullInput });
  return flows.at(-1)!;
}
let flows: Flow[] = [];

/** Connects the host and waits for the flow's start to settle on `status`. */
async function start(f: Flow, status: PkceLoginStatus): Promise<void> {
  f.host.connect();
  await waitUntil(() => f.callbacks.current === status, `status "${f.callbacks.current}", expected "${status}"`, {
    timeout: 3000,
    interval: 5,
  });
}

/** Stores a signed-in session for the flow's client, as an earlier page load would have. */
async function storeSession(f: Flow): Promise<Session> {
  const receivedAt = Date.now();
  const session: Session = {
    tokens: {
      accessToken: 'access-flow',
      tokenType: 'Bearer',
      receivedAt,
      expiresAt: receivedAt + 3_600_000,
      scope: 'openid',
      idToken: ID_TOKEN,
      refreshToken: REFRESH_TOKEN,
      claims: { sub: 'user-1' },
    },
    metadata: providerMetadata({ revocation_endpoint: REVOCATION_ENDPOINT }) as Session['metadata'],
  };
  // Stored as the session code stores it, whatever the record's format.
  const keeper = new SessionKeeper(resolveConfig(f.input, new URL(location.href)), {
    sessionChanged: () => undefined,
    sessionEnded: () => undefined,
    renewalFailed: () => undefined,
  });
  await keeper.begin(session, true);
  keeper.close();
  return session;
}

function settle(ms = 100): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('LoginFlowController', () => {
  afterEach(async () => {
    for (const f of flows) f.host.disconnect();
    flows = [];
    sinon.restore();
    await clearTransactions();
    await clear(sessionStore);
    sessionStorage.clear();
  });

  describe('login() with an invalid configuration', () => {
    it('should report exactly one invalid_config error and neither navigate nor open a popup', async () => {
      const provider = installFakeProvider();
      const open = sinon.stub(window, 'open').returns(null);
      // http: on a host other than a loopback one.
      const f = makeFlow({ issuer: 'http://op.example/', mode: 'popup' });
      await start(f, 'signed-out');
      expect(
        f.callbacks.errors.map((e) => [e.error.code, e.quiet]),
        'at start: quiet',
      ).to.deep.equal([['invalid_config', true]]);
      expect(f.flow.configError?.code).to.equal('invalid_config');
      f.callbacks.errors = [];
      f.callbacks.statuses = [];

      await f.flow.login({});
      expect(f.callbacks.errors).to.have.length(1);
      expect(f.callbacks.errors[0]!.error.code).to.equal('invalid_config');
      expect(f.callbacks.errors[0]!.error.message).to.include('issuer');
      expect(f.callbacks.errors[0]!.quiet, 'the user asked: not quiet').to.not.equal(true);
      expect(f.callbacks.statuses, 'never signing-in').to.deep.equal([]);
      await settle(50);
      expect(f.callbacks.navigations).to.deep.equal([]);
      expect(open.callCount).to.equal(0);
      expect(provider.requests).to.deep.equal([]);
      expect(await keys(elementStore), 'no transaction stored').to.deep.equal([]);
    });

    it('should report exactly one error for a login before the flow started', async () => {
      const provider = installFakeProvider();
      const f = makeFlow({ clientId: '  ' });
      f.callbacks.current = 'signed-out';
      await f.flow.login({});
      expect(f.callbacks.calls).to.deep.equal(['error(invalid_config)']);
      expect(f.callbacks.errors[0]!.error.message).to.include('client-id');
      await settle(50);
      expect(f.callbacks.navigations).to.deep.equal([]);
      expect(provider.requests).to.deep.equal([]);
    });
  });

  it('should ignore a second login() while signing in', async () => {
    const discovery = deferred<Response>();
    const provider = installFakeProvider({ [DISCOVERY_URL]: () => discovery.promise });
    const f = makeFlow();
    f.callbacks.current = 'signed-out';

    const first = f.flow.login({});
    expect(f.callbacks.current, 'signing in at once').to.equal('signing-in');
    // Ignored: resolves at once, without waiting for the first login's discovery.
    const again = Promise.all([f.flow.login({}), f.flow.login({ returnTo: '/elsewhere' })]).then(() => 'returned');
    expect(await Promise.race([again, settle(200).then(() => 'still pending')]), 'a second login()').to.equal('returned');
    expect(f.callbacks.statuses).to.deep.equal(['signing-in']);

    discovery.resolve(json(providerMetadata()));
    await first;
    expect(f.callbacks.navigations).to.have.length(1);
    const url = f.callbacks.navigations[0]!;
    expect(url.origin + url.pathname).to.equal(AUTHORIZATION_ENDPOINT);
    expect(url.searchParams.get('client_id')).to.equal(f.input.clientId);
    await settle(50);
    expect(f.callbacks.navigations, 'one navigation').to.have.length(1);
    expect(provider.to(DISCOVERY_URL), 'one discovery').to.have.length(1);
    expect(await keys(elementStore), 'one transaction').to.have.length(1);
    expect(f.callbacks.errors).to.deep.equal([]);
  });

  describe('the work on the path of a page load and of a click (issue 16)', () => {
    it('should restore a stored session over one IndexedDB connection, reading nothing but the session before signing in', async () => {
      installFakeProvider();
      const f = makeFlow();
      await storeSession(f);
      // A new page: no connection yet.
      closeDatabase();
      const open = sinon.spy(indexedDB, 'open');
      const transaction = IDBDatabase.prototype.transaction;
      const log: string[] = [];
      sinon.stub(IDBDatabase.prototype, 'transaction').callsFake(function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
        log.push(`${typeof args[0] === 'string' ? args[0] : [...args[0]].join()} ${args[1] ?? 'readonly'}${f.callbacks.signIns.length ? ' after the sign-in' : ''}`);
        return transaction.apply(this, args);
      });
      await start(f, 'signed-in');
      // The mix-up registry's write waits for the end of the start, and an idle moment (WebKit,
      // without requestIdleCallback: half a second).
      await waitUntil(() => log.length >= 2, `IndexedDB transactions: ${log.join(', ')}`, { timeout: 2000 });
      expect(f.callbacks.signIns).to.deep.equal([{ restored: true, returnTo: undefined }]);
      expect(open.callCount, 'indexedDB.open calls').to.equal(1);
      expect(log).to.deep.equal(['sessions readonly', 'issuers readwrite after the sign-in']);
    });

    it('should make the login secrets before the click: the click does no crypto work, and each login has its own key and verifier', async () => {
      installFakeProvider({ [DISCOVERY_URL]: () => json(providerMetadata({ dpop_signing_alg_values_supported: ['ES256'] })) });
      const f = makeFlow();
      await start(f, 'signed-out');
      await settle();
      const generateKey = sinon.spy(crypto.subtle, 'generateKey');
      const digest = sinon.spy(crypto.subtle, 'digest');
      const exportKey = sinon.spy(crypto.subtle, 'exportKey');
      await f.flow.login({});
      expect(f.callbacks.navigations).to.have.length(1);
      expect([generateKey.callCount, digest.callCount, exportKey.callCount], 'crypto calls at the click').to.deep.equal([0, 0, 0]);

      // Back from the provider without logging in (the back-forward cache), then a second login.
      f.callbacks.current = 'signed-out';
      await f.flow.login({});
      expect(f.callbacks.navigations).to.have.length(2);
      const records = await values<TransactionRecord>(elementStore);
      expect(records).to.have.length(2);
      const [first, second] = f.callbacks.navigations.map((url) => records.find((r) => r.state === url.searchParams.get('state'))!);
      expect(first!.codeVerifier).not.to.equal(second!.codeVerifier);
      expect(first!.dpopKey?.privateKey).to.be.instanceOf(CryptoKey);
      expect(second!.dpopKey?.privateKey).to.be.instanceOf(CryptoKey);
      expect(first!.dpopKey).not.to.equal(second!.dpopKey);
      const [jkt1, jkt2] = f.callbacks.navigations.map((url) => url.searchParams.get('dpop_jkt'));
      expect(jkt1).to.be.a('string');
      expect(jkt1, 'a new DPoP key for each login').not.to.equal(jkt2);
    });
  });

  describe('a click with discovery and secrets at hand (issue 16)', () => {
    it('should store the transaction before it shows signing-in, show it before navigating, and ignore a second click meanwhile', async () => {
      installFakeProvider();
      const f = makeFlow();
      await start(f, 'signed-out');
      await settle();
      const put = IDBObjectStore.prototype.put;
      const statusAtPut: PkceLoginStatus[] = [];
      sinon.stub(IDBObjectStore.prototype, 'put').callsFake(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
        statusAtPut.push(f.callbacks.current);
        return put.apply(this, args);
      });
      const calls = f.callbacks.calls.length;
      await Promise.all([f.flow.login({}), f.flow.login({})]);
      expect(statusAtPut, 'the status when the transaction is written').to.deep.equal(['signed-out']);
      expect(f.callbacks.calls.slice(calls)).to.deep.equal(['setStatus(signing-in)', 'navigate']);
      expect(await keys(elementStore), 'one transaction').to.have.length(1);
    });

    it('should write its redirect registration (the mix-up registry) before it leaves for the provider, when the start has not', async () => {
      installFakeProvider();
      // The page never idles: the start's deferred write does not happen.
      await withRequestIdleCallback(() => 0, async () => {
        const f = makeFlow({ redirectUri: `${location.origin}/registry-${Date.now()}/cb` });
        await start(f, 'signed-out');
        await settle();
        const transaction = IDBDatabase.prototype.transaction;
        sinon.stub(IDBDatabase.prototype, 'transaction').callsFake(function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
          const tx = transaction.apply(this, args);
          if (args[0] === 'issuers' && args[1] === 'readwrite') tx.addEventListener('complete', () => f.callbacks.calls.push('registry written'));
          return tx;
        });
        await f.flow.login({});
        expect(f.callbacks.calls.filter((call) => call === 'registry written' || call === 'navigate')).to.deep.equal(['registry written', 'navigate']);
      });
    });

    it('should show signing-in at once when the provider requires a pushed request (a network round trip first)', async () => {
      installFakeProvider({
        [DISCOVERY_URL]: () => json(providerMetadata({ pushed_authorization_request_endpoint: 'https://op.example/par', require_pushed_authorization_requests: true })),
        'https://op.example/par': () => json({ request_uri: 'urn:ietf:params:oauth:request_uri:x', expires_in: 60 }, 201),
      });
      const f = makeFlow();
      await start(f, 'signed-out');
      await settle();
      const login = f.flow.login({});
      expect(f.callbacks.current, 'signing in at once').to.equal('signing-in');
      await login;
      expect(f.callbacks.navigations).to.have.length(1);
      expect(f.callbacks.statuses.filter((status) => status === 'signing-in')).to.have.length(1);
    });
  });

  describe('discovery prefetch', () => {
    it('should prefetch discovery once when signed out, and log in without fetching it again', async () => {
      const provider = installFakeProvider();
      const f = makeFlow();
      await start(f, 'signed-out');
      await settle();
      expect(provider.to(DISCOVERY_URL), 'prefetched once').to.have.length(1);
      expect(f.callbacks.errors).to.deep.equal([]);

      await f.flow.login({});
      expect(f.callbacks.navigations).to.have.length(1);
      expect(provider.to(DISCOVERY_URL), 'the login used the prefetched document').to.have.length(1);
    });

    it('should not prefetch discovery when a stored session signs the flow in', async () => {
      const provider = installFakeProvider();
      const f = makeFlow();
      await storeSession(f);
      await start(f, 'signed-in');
      expect(f.callbacks.signIns).to.deep.equal([{ restored: true, returnTo: undefined }]);
      await settle();
      expect(provider.requests).to.deep.equal([]);
      f.flow.reconfigure();
      await settle(50);
      expect(provider.requests, 'nor on reconfigure() while signed in').to.deep.equal([]);
    });

    it('should prefetch again on reconfigure() when signed out', async () => {
      const provider = installFakeProvider();
      const f = makeFlow();
      await start(f, 'signed-out');
      await settle(50);
      const updates = f.host.updateRequests;
      f.flow.reconfigure();
      await settle(50);
      expect(provider.to(DISCOVERY_URL)).to.have.length(2);
      expect(f.host.updateRequests - updates, 'the host re-renders for the new configuration').to.equal(1);
    });

    it('should report a failed prefetch quietly', async () => {
      installFakeProvider({ [DISCOVERY_URL]: () => json({ error: 'unavailable' }, 503) });
      const f = makeFlow();
      await start(f, 'signed-out');
      await waitUntil(() => f.callbacks.errors.length > 0, 'the failed prefetch was not reported');
      expect(f.callbacks.errors.map((e) => [e.error.code, e.quiet])).to.deep.equal([['discovery_failed', true]]);
    });
  });

  describe('a page restored from the back-forward cache', () => {
    it('should settle signing-in to signed-out on pageshow with persisted=true, only while connected', async () => {
      installFakeProvider();
      const f = makeFlow();
      await start(f, 'signed-out');
      await f.flow.login({});
      expect(f.callbacks.navigations, 'left for the provider').to.have.length(1);
      expect(f.callbacks.current).to.equal('signing-in');

      window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: false }));
      expect(f.callbacks.current, 'a fresh load').to.equal('signing-in');

      window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
      expect(f.callbacks.current).to.equal('signed-out');
      expect(f.callbacks.statuses.at(-1)).to.equal('signed-out');

      // Not signing in: nothing to settle.
      const count = f.callbacks.statuses.length;
      window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
      expect(f.callbacks.statuses).to.have.length(count);

      // Once the host left the document, the flow no longer listens.
      f.callbacks.current = 'signing-in';
      f.host.disconnect();
      window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
      expect(f.callbacks.current).to.equal('signing-in');
    });

    it('should settle to signed-in when a session is kept', async () => {
      installFakeProvider();
      const f = makeFlow();
      await storeSession(f);
      await start(f, 'signed-in');
      f.callbacks.current = 'signing-in';
      window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
      expect(f.callbacks.current).to.equal('signed-in');
    });
  });

  describe('logout()', () => {
    it('should forget the session and revoke, but never navigate, with local=true', async () => {
      const provider = installFakeProvider({ [REVOCATION_ENDPOINT]: () => new Response(null, { status: 200 }) });
      const f = makeFlow();
      await storeSession(f);
      await start(f, 'signed-in');

      await f.flow.logout(true);
      expect(f.callbacks.signOuts).to.deep.equal([{ reason: 'user', wasSignedIn: true }]);
      expect(f.session.active).to.equal(false);
      expect(provider.to(REVOCATION_ENDPOINT).map((r) => r.body.get('token'))).to.deep.equal([REFRESH_TOKEN]);
      await settle(50);
      expect(f.callbacks.navigations).to.deep.equal([]);
      expect(await get(sessionKey({ issuer: ISSUER, clientId: f.input.clientId! }), sessionStore), 'stored session').to.equal(
        undefined,
      );
    });

    it('should navigate to the end-session URL, after revoking, with local=false', async () => {
      const provider = installFakeProvider({ [REVOCATION_ENDPOINT]: () => new Response(null, { status: 200 }) });
      const f = makeFlow();
      await storeSession(f);
      await start(f, 'signed-in');
      let revokedBeforeNavigating: boolean | undefined;
      const navigate = f.callbacks.navigate.bind(f.callbacks);
      f.callbacks.navigate = (url) => {
        revokedBeforeNavigating = provider.to(REVOCATION_ENDPOINT).length === 1;
        navigate(url);
      };

      await f.flow.logout(false);
      expect(f.callbacks.calls.slice(-2)).to.deep.equal(['signOut', 'navigate']);
      expect(f.callbacks.navigations).to.have.length(1);
      const url = f.callbacks.navigations[0]!;
      expect(url.origin + url.pathname).to.equal(END_SESSION_ENDPOINT);
      expect(url.searchParams.get('id_token_hint')).to.equal(ID_TOKEN);
      expect(url.searchParams.get('client_id')).to.equal(f.input.clientId);
      expect(url.searchParams.get('post_logout_redirect_uri')).to.equal(location.origin + location.pathname);
      expect(revokedBeforeNavigating, 'revoked before leaving').to.equal(true);
    });

    it('should neither navigate nor report a logout when signed out', async () => {
      installFakeProvider();
      const f = makeFlow();
      await start(f, 'signed-out');
      await f.flow.logout(false);
      expect(f.callbacks.signOuts).to.deep.equal([{ reason: 'user', wasSignedIn: false }]);
      expect(f.callbacks.navigations).to.deep.equal([]);
    });
  });
});
