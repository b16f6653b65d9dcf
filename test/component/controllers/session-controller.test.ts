/// <reference types="mocha" />
/**
 * SessionController on its own, with a plain ReactiveControllerHost and a fake provider:
 * keeping or dropping the session on configure(), the `token` detail and access token it hands
 * out, listening to the other tabs only while the host is connected, end() and revocation, and
 * that nothing reachable from the controller object holds the refresh token or the DPoP key.
 */
import { expect, waitUntil } from '@open-wc/testing';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import sinon from 'sinon';
import { SessionController, type SessionCallbacks } from '../../../src/controllers/session-controller.js';
import { PkceLoginError } from '../../../src/errors.js';
import type { LogoutReason } from '../../../src/events.js';
import { resolveConfig, type ResolvedConfig } from '../../../src/protocol/config.js';
import { createDpopKey } from '../../../src/protocol/protocol.js';
import { sessionKey, type Session } from '../../../src/session/session-keeper.js';
import {
  ACCESS_TOKEN,
  END_SESSION_ENDPOINT,
  installFakeProvider,
  ISSUER,
  providerMetadata,
  REFRESH_TOKEN,
} from '../../helpers/provider.js';

const REVOCATION_ENDPOINT = 'https://op.example/revoke';
const ID_TOKEN = 'id-token-1';

/** A plain host: connect() / disconnect() play the element entering and leaving the document. */
class PlainHost implements ReactiveControllerHost {
  readonly controllers: ReactiveController[] = [];
  addController(controller: ReactiveController): void {
    this.controllers.push(controller);
  }
  removeController(controller: ReactiveController): void {
    this.controllers.splice(this.controllers.indexOf(controller), 1);
  }
  requestUpdate(): void {}
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

/** Callbacks that record what the controller tells the element. */
class Recorder implements SessionCallbacks {
  changes = 0;
  ends: LogoutReason[] = [];
  failures: PkceLoginError[] = [];
  changed(): void {
    this.changes += 1;
  }
  ended(reason: LogoutReason): void {
    this.ends.push(reason);
  }
  renewalFailed(error: PkceLoginError): void {
    this.failures.push(error);
  }
}

let clients = 0;
/** A configuration with a client id of its own, so that tests never share a stored session. */
function newConfig(overrides: { clientId?: string; session?: 'persistent' | 'memory'; scope?: string } = {}): ResolvedConfig {
  return resolveConfig(
    { issuer: ISSUER, clientId: `session-controller-${Date.now()}-${clients++}`, ...overrides },
    new URL(location.href),
  );
}

/** A session: its access token valid for `lifetime` ms. */
function session(options: { refreshToken?: string; lifetime?: number; idToken?: string; dpopKey?: CryptoKeyPair } = {}): Session {
  const receivedAt = Date.now();
  return {
    tokens: {
      accessToken: ACCESS_TOKEN,
      tokenType: options.dpopKey ? 'DPoP' : 'Bearer',
      receivedAt,
      expiresAt: receivedAt + (options.lifetime ?? 3_600_000),
      scope: 'openid profile',
      idToken: options.idToken,
      refreshToken: options.refreshToken,
      claims: { sub: 'user-1', name: 'Ada Lovelace' },
    },
    metadata: providerMetadata({ revocation_endpoint: REVOCATION_ENDPOINT }) as Session['metadata'],
    dpopKey: options.dpopKey,
  };
}

/** What one tab posts to the others (see src/session/session-sync.ts). */
function announce(message: { type: 'session' | 'logout'; key: string }): void {
  const channel = new BroadcastChannel('pkce-login');
  channel.postMessage(message);
  channel.close();
}

function settle(ms = 100): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/**
 * Every path under `root`, up to `maxDepth` steps away, whose value is a string containing
 * `secret` or a CryptoKey: own and prototype properties (symbols included; getters invoked on
 * the object walked), array items, Map keys and values, Set items.
 */
function findSecrets(root: unknown, secret: string, maxDepth = 4): string[] {
  const found: string[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, path: string, depth: number): void => {
    if (typeof value === 'string') {
      if (value.includes(secret)) found.push(path);
      return;
    }
    if (value instanceof CryptoKey) {
      found.push(`${path} (CryptoKey)`);
      return;
    }
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return;
    if (depth >= maxDepth || seen.has(value)) return;
    seen.add(value);
    if (value instanceof Map) {
      for (const [k, v] of value) {
        visit(k, `${path}.<key>`, depth + 1);
        visit(v, `${path}.get(${String(k)})`, depth + 1);
      }
    }
    if (value instanceof Set) for (const item of value) visit(item, `${path}.<item>`, depth + 1);
    for (
      let o: object | null = value;
      o && o !== Object.prototype && o !== Function.prototype;
      o = Object.getPrototypeOf(o) as object | null
    ) {
      for (const key of Reflect.ownKeys(o)) {
        const descriptor = Object.getOwnPropertyDescriptor(o, key)!;
        let child: unknown;
        if ('value' in descriptor) child = descriptor.value as unknown;
        else if (descriptor.get) {
          try {
            child = descriptor.get.call(value);
          } catch {
            continue;
          }
        } else continue;
        visit(child, `${path}.${String(key)}`, depth + 1);
      }
    }
  };
  visit(root, 'root', 0);
  return found;
}

describe('SessionController', () => {
  let hosts: PlainHost[] = [];

  function controller(callbacks = new Recorder()): { ctl: SessionController; host: PlainHost; callbacks: Recorder } {
    const host = new PlainHost();
    hosts.push(host);
    const ctl = new SessionController(host, callbacks);
    host.connect();
    return { ctl, host, callbacks };
  }

  afterEach(() => {
    for (const host of hosts) host.disconnect();
    hosts = [];
    sinon.restore();
  });

  describe('configure()', () => {
    it('should keep the session for the same client, and drop it for another client or session mode', async () => {
      installFakeProvider();
      const { ctl } = controller();
      const config = newConfig();
      expect(ctl.configure(config), 'first configuration').to.equal(false);
      expect(ctl.active).to.equal(false);
      await ctl.begin(session({ refreshToken: REFRESH_TOKEN }), false, config);
      expect(ctl.active).to.equal(true);

      // The same issuer, client and session mode: another scope, redirect URI … keep the session.
      expect(ctl.configure(newConfig({ clientId: config.clientId, scope: 'openid' })), 'same client').to.equal(false);
      expect(ctl.active).to.equal(true);
      expect(ctl.user?.name).to.equal('Ada Lovelace');

      const memory = newConfig({ clientId: config.clientId, session: 'memory' });
      expect(ctl.configure(memory), 'other session mode').to.equal(true);
      expect(ctl.active).to.equal(false);
      await ctl.begin(session(), false, memory);
      expect(ctl.active).to.equal(true);

      expect(ctl.configure(newConfig()), 'another client').to.equal(true);
      expect(ctl.active).to.equal(false);
      expect(ctl.user).to.equal(null);
      expect(ctl.tokenDetail()).to.equal(undefined);

      expect(ctl.configure(newConfig()), 'nothing to drop').to.equal(false);
    });

    it("should stop listening for the dropped client's session", async () => {
      installFakeProvider();
      const first = newConfig();
      const { ctl, callbacks } = controller();
      ctl.configure(first);
      ctl.configure(newConfig());
      // A control: a controller still configured for the first client hears the announcement.
      const control = controller();
      control.ctl.configure(first);

      // Another tab signs in to the first client: stores the session and announces it.
      const otherTab = controller();
      otherTab.ctl.configure(first);
      await otherTab.ctl.begin(session(), true, first);
      await waitUntil(() => control.callbacks.changes === 1, 'the control never heard the announcement');
      await settle();
      expect(callbacks.changes, 'changed() for a client no longer configured').to.equal(0);
      expect(ctl.active).to.equal(false);
      await otherTab.ctl.end();
    });
  });

  describe('tokens', () => {
    it('should give the token detail without the refresh token', async () => {
      installFakeProvider();
      const { ctl } = controller();
      const config = newConfig();
      ctl.configure(config);
      expect(ctl.tokenDetail(), 'signed out').to.equal(undefined);
      const s = session({ refreshToken: REFRESH_TOKEN, idToken: ID_TOKEN });
      await ctl.begin(s, false, config);

      const detail = ctl.tokenDetail()!;
      expect(detail).to.deep.equal({
        accessToken: ACCESS_TOKEN,
        tokenType: 'Bearer',
        expiresAt: s.tokens.expiresAt,
        scope: 'openid profile',
        idToken: ID_TOKEN,
      });
      expect(Object.keys(detail)).to.not.include('refreshToken');
      expect('refreshToken' in detail).to.equal(false);
      expect(JSON.stringify(detail)).to.not.include(REFRESH_TOKEN);

      await ctl.begin(session({ refreshToken: REFRESH_TOKEN }), false, config);
      expect(Object.keys(ctl.tokenDetail()!), 'no idToken key without an ID token').to.have.members([
        'accessToken',
        'tokenType',
        'expiresAt',
        'scope',
      ]);
    });

    it('should reject accessToken() with login_required when signed out or expired, resolve it when signed in', async () => {
      installFakeProvider();
      const { ctl } = controller();
      const unconfigured = await rejection(ctl.accessToken());
      expect(unconfigured).to.be.instanceOf(PkceLoginError);
      expect((unconfigured as PkceLoginError).code, 'before configure').to.equal('login_required');

      const config = newConfig();
      ctl.configure(config);
      expect(((await rejection(ctl.accessToken())) as PkceLoginError).code, 'no session').to.equal('login_required');

      await ctl.begin(session({ refreshToken: REFRESH_TOKEN }), false, config);
      expect(await ctl.accessToken()).to.equal(ACCESS_TOKEN);

      await ctl.begin(session({ lifetime: -1 }), false, config);
      expect(((await rejection(ctl.accessToken())) as PkceLoginError).code, 'expired, no refresh token').to.equal(
        'login_required',
      );
    });
  });

  describe('the host connecting and disconnecting', () => {
    it('should stop listening to the other tabs while disconnected, and listen again once connected', async () => {
      installFakeProvider();
      const { ctl, host, callbacks } = controller();
      const config = newConfig();
      ctl.configure(config);
      await ctl.begin(session({ refreshToken: REFRESH_TOKEN }), false, config);

      host.disconnect();
      announce({ type: 'logout', key: sessionKey(config) });
      await settle();
      expect(callbacks.ends, 'ended while disconnected').to.deep.equal([]);
      expect(ctl.active, 'session kept while disconnected').to.equal(true);

      host.connect();
      announce({ type: 'logout', key: sessionKey(config) });
      await waitUntil(() => callbacks.ends.length === 1, 'the logout of another tab was not heard after reconnecting');
      expect(callbacks.ends).to.deep.equal(['other-tab']);
      expect(ctl.active).to.equal(false);
    });

    it('should not expire the session on schedule while disconnected, and catch up once connected', async () => {
      installFakeProvider();
      const { ctl, host, callbacks } = controller();
      const config = newConfig();
      ctl.configure(config);
      await ctl.begin(session({ lifetime: 60 }), false, config);
      host.disconnect();
      await settle(200);
      expect(callbacks.ends, 'expired while disconnected').to.deep.equal([]);

      host.connect();
      await waitUntil(() => callbacks.ends.length === 1, 'the expired session was not ended after reconnecting');
      expect(callbacks.ends).to.deep.equal(['expired']);
      expect(ctl.active).to.equal(false);
    });
  });

  describe('end()', () => {
    it('should forget the session, then revoke the refresh token at the provider', async () => {
      const provider = installFakeProvider({ [REVOCATION_ENDPOINT]: () => new Response(null, { status: 200 }) });
      const { ctl } = controller();
      const config = newConfig();
      ctl.configure(config);
      await ctl.begin(session({ refreshToken: REFRESH_TOKEN, idToken: ID_TOKEN }), false, config);

      const ended = await ctl.end();
      expect(ended).to.not.equal(undefined);
      expect(ctl.active, 'forgotten before the revocation').to.equal(false);
      expect(provider.to(REVOCATION_ENDPOINT), 'no request before revoke()').to.have.length(0);

      const revoking = ended!.revoke();
      expect(revoking).to.be.instanceOf(Promise);
      await revoking;
      const requests = provider.to(REVOCATION_ENDPOINT);
      expect(requests).to.have.length(1);
      expect(requests[0]!.method).to.equal('POST');
      expect(requests[0]!.body.get('token')).to.equal(REFRESH_TOKEN);
      expect(requests[0]!.body.get('client_id')).to.equal(config.clientId);

      const url = ended!.endSessionUrl()!;
      expect(url.origin + url.pathname).to.equal(END_SESSION_ENDPOINT);
      expect(url.searchParams.get('id_token_hint')).to.equal(ID_TOKEN);
      expect(url.searchParams.get('client_id')).to.equal(config.clientId);
      expect(url.searchParams.get('post_logout_redirect_uri')).to.equal(config.postLogoutRedirectUri);
    });

    it('should have nothing to revoke without a refresh token, and nothing to end when signed out', async () => {
      const provider = installFakeProvider({ [REVOCATION_ENDPOINT]: () => new Response(null, { status: 200 }) });
      const { ctl } = controller();
      expect(await ctl.end(), 'before configure').to.equal(undefined);
      const config = newConfig();
      ctl.configure(config);
      expect(await ctl.end(), 'signed out').to.equal(undefined);

      await ctl.begin(session(), false, config);
      const ended = await ctl.end();
      // By its type: a failing assertion on a Promise itself would stall the test runner's error reporting.
      expect(typeof ended!.revoke(), 'revoke() without a refresh token').to.equal('undefined');
      await settle(50);
      expect(provider.requests).to.deep.equal([]);
    });
  });

  describe('what the controller object exposes', () => {
    it('should find secrets with the walker (its own check): in a Map, a Set, behind a getter', async () => {
      const key = (await createDpopKey()).privateKey;
      const decoy = {
        map: new Map([
          [
            'entry',
            {
              get token() {
                return { value: `x${REFRESH_TOKEN}y` };
              },
            },
          ],
        ]),
        set: new Set([[key]]),
      };
      expect(findSecrets(decoy, REFRESH_TOKEN)).to.deep.equal([
        'root.map.get(entry).token.value',
        'root.set.<item>.0 (CryptoKey)',
      ]);
      // Out of reach beyond the depth.
      expect(findSecrets({ a: { b: { c: { d: REFRESH_TOKEN } } } }, REFRESH_TOKEN, 3)).to.deep.equal([]);
    });

    it('should hold neither the refresh token nor the DPoP key anywhere reachable from it', async () => {
      const provider = installFakeProvider();
      const { ctl } = controller();
      const config = newConfig();
      ctl.configure(config);
      const dpopKey = await createDpopKey();
      await ctl.begin(session({ refreshToken: REFRESH_TOKEN, idToken: ID_TOKEN, dpopKey }), false, config);
      // Use it the way the element does first: every lazily built piece is in place.
      expect(await ctl.accessToken()).to.equal(ACCESS_TOKEN);
      expect(ctl.tokenDetail()?.accessToken).to.equal(ACCESS_TOKEN);
      expect(ctl.user?.sub).to.equal('user-1');
      expect(ctl.active).to.equal(true);
      // The page's own origin: the one fetch() sends the token to by default.
      await ctl.fetch(new Request(new URL('/api/data', location.href)), null).catch(() => undefined);
      expect(provider.requests, 'one resource request').to.have.length(1);
      expect(provider.requests[0]!.headers.get('dpop'), 'a DPoP proof was sent').to.be.a('string');

      // The walk does reach the session's claims, through the `user` getter.
      expect(findSecrets(ctl, 'Ada Lovelace'), 'a control').to.deep.equal(['root.user.name']);
      expect(findSecrets(ctl, REFRESH_TOKEN), 'reachable from the controller').to.deep.equal([]);
      expect(findSecrets(ctl.tokenDetail(), REFRESH_TOKEN), 'in the token detail').to.deep.equal([]);
      expect(findSecrets(ctl.user, REFRESH_TOKEN), 'in the user').to.deep.equal([]);
    });
  });
});
