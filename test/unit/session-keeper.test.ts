/// <reference types="mocha" />
import { expect, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import { resolveConfig } from '../../src/protocol/config.js';
import type { LogoutReason } from '../../src/events.js';
import type { PkceLoginError } from '../../src/errors.js';
import { renewalTime, RenewalSchedule } from '../../src/session/renewal-schedule.js';
import { SessionKeeper, type Session } from '../../src/session/session-keeper.js';
import { indexedDbSessionStore } from '../../src/storage/session-store.js';
import { ISSUER, TOKEN_ENDPOINT, installFakeProvider, json, networkFailure, providerMetadata, type FakeProvider } from '../helpers/provider.js';

/** A host that records what the keeper tells it. */
class RecordingHost {
  changed: Session[] = [];
  accountChanges: boolean[] = [];
  ended: LogoutReason[] = [];
  failures: PkceLoginError[] = [];
  sessionChanged(session: Session, accountChanged: boolean) {
    this.changed.push(session);
    this.accountChanges.push(accountChanged);
  }
  sessionEnded(reason: LogoutReason) {
    this.ended.push(reason);
  }
  renewalFailed(error: PkceLoginError) {
    this.failures.push(error);
  }
}

let clientCount = 0;
let keepers: SessionKeeper[] = [];

/** A configuration with a client id of its own, so that tests never share a stored session. */
function newConfig(session: 'persistent' | 'memory' = 'persistent') {
  return resolveConfig({ issuer: ISSUER, clientId: `keeper-client-${Date.now()}-${clientCount++}`, session }, new URL(location.href));
}

function keeper(config: ReturnType<typeof newConfig>, host = new RecordingHost()) {
  const k = new SessionKeeper(config, host);
  keepers.push(k);
  return { keeper: k, host };
}

/** A session whose access token was received `age` ms ago and lives `lifetime` ms. */
function session(accessToken: string, refreshToken: string | undefined, lifetime = 60_000, age = 0): Session {
  const receivedAt = Date.now() - age;
  return {
    tokens: {
      accessToken,
      tokenType: 'Bearer',
      receivedAt,
      expiresAt: receivedAt + lifetime,
      scope: 'openid',
      idToken: undefined,
      refreshToken,
      claims: { sub: 'user-1' },
    },
    metadata: providerMetadata() as Session['metadata'],
  };
}

/** A token endpoint that rotates: each refresh answers a new access and refresh token. */
function rotatingTokenEndpoint(): { provider: FakeProvider; refreshes: () => string[] } {
  let count = 0;
  const provider = installFakeProvider({
    [TOKEN_ENDPOINT]: () => {
      count += 1;
      return json({ access_token: `access-${count}`, token_type: 'Bearer', expires_in: 3600, refresh_token: `refresh-${count}` });
    },
  });
  return { provider, refreshes: () => provider.to(TOKEN_ENDPOINT).map((r) => r.body.get('refresh_token') ?? '') };
}

afterEach(() => {
  for (const k of keepers) k.close();
  keepers = [];
  sinon.restore();
});

describe('renewalTime', () => {
  it('should renew a quarter of the lifetime before expiry', () => {
    expect(renewalTime(0, 8_000)).to.equal(6_000);
  });

  it('should renew at most five minutes before expiry', () => {
    expect(renewalTime(0, 3_600_000)).to.equal(3_600_000 - 300_000);
  });
});

describe('RenewalSchedule', () => {
  it('should call renew when its moment comes, and not after stop()', async () => {
    let calls = 0;
    const schedule = new RenewalSchedule(() => calls++);
    schedule.schedule(Date.now() + 30);
    await waitUntil(() => calls === 1, 'renewed on time', { timeout: 1000 });
    schedule.schedule(Date.now() + 30);
    schedule.stop();
    await new Promise((r) => setTimeout(r, 80));
    expect(calls).to.equal(1);
  });

  it('should catch up on a page coming back to life when the timer did not fire (sleep, throttling)', () => {
    const clock = sinon.useFakeTimers({ now: 1_000_000, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let calls = 0;
    const schedule = new RenewalSchedule(() => calls++);
    schedule.schedule(Date.now() + 60_000);
    // The device slept: the clock moved on, the timer did not run.
    clock.setSystemTime(1_000_000 + 61_000);
    expect(calls).to.equal(0);
    window.dispatchEvent(new Event('focus'));
    expect(calls).to.equal(1);
    window.dispatchEvent(new Event('visibilitychange'));
    expect(calls, 'once only').to.equal(1);
    schedule.stop();
  });
});

describe('SessionKeeper', () => {
  it('should restore a stored session whose access token is valid, with no request', async () => {
    const provider = installFakeProvider();
    const config = newConfig();
    await keeper(config).keeper.begin(session('access-0', 'refresh-0'), true);
    const restored = await keeper(config).keeper.restore();
    expect(restored?.tokens.accessToken).to.equal('access-0');
    expect(provider.requests).to.have.length(0);
  });

  it('should renew an expired stored session with its refresh token before restoring it', async () => {
    const { refreshes } = rotatingTokenEndpoint();
    const config = newConfig();
    await keeper(config).keeper.begin(session('access-0', 'refresh-0', 60_000, 120_000), true);
    const restored = await keeper(config).keeper.restore();
    expect(restored?.tokens.accessToken).to.equal('access-1');
    expect(refreshes()).to.deep.equal(['refresh-0']);
    const stored = await indexedDbSessionStore().get(`${config.issuer} ${config.clientId}`);
    expect(stored?.tokens.refreshToken, 'the rotated refresh token is stored').to.equal('refresh-1');
  });

  it("should treat a stored session without this client's issuer and client id as absent (issue 12, finding 3)", async () => {
    const provider = installFakeProvider();
    const config = newConfig();
    const key = `${config.issuer} ${config.clientId}`;
    const { keeper: k } = keeper(config);
    await k.begin(session('access-0', 'refresh-0'), true);
    const stored = (await indexedDbSessionStore().get(key))!;
    expect([stored.issuer, stored.clientId], 'stored with its issuer and client id').to.deep.equal([config.issuer, config.clientId]);

    const { issuer: _issuer, clientId: _clientId, ...older } = stored;
    for (const record of [older, { ...stored, issuer: 'https://other.example/' }, { ...stored, clientId: 'another-client' }]) {
      await indexedDbSessionStore().set(key, record as typeof stored);
      expect(await keeper(config).keeper.restore()).to.equal(undefined);
    }
    expect(provider.requests).to.have.length(0);
  });

  it('should restore nothing from a session="memory" keeper', async () => {
    installFakeProvider();
    const config = newConfig('memory');
    await keeper(config).keeper.begin(session('access-0', 'refresh-0'), true);
    expect(await keeper(config).keeper.restore()).to.equal(undefined);
  });

  it('should send one refresh for two tabs renewing at once; the other takes the renewed session', async () => {
    const { refreshes } = rotatingTokenEndpoint();
    const config = newConfig();
    const first = keeper(config);
    const second = keeper(config);
    const shared = session('access-0', 'refresh-0');
    await first.keeper.begin(shared, true);
    await second.keeper.begin(shared, false);
    await Promise.all([first.keeper.renew(), second.keeper.renew()]);
    expect(refreshes()).to.deep.equal(['refresh-0']);
    expect(first.keeper.session?.tokens.accessToken).to.equal('access-1');
    expect(second.keeper.session?.tokens.accessToken).to.equal('access-1');
  });

  it('should follow a rotation made in another tab instead of sending its stale refresh token', async () => {
    const { refreshes } = rotatingTokenEndpoint();
    const config = newConfig();
    const first = keeper(config);
    const second = keeper(config);
    const shared = session('access-0', 'refresh-0');
    await first.keeper.begin(shared, true);
    await second.keeper.begin(shared, false);
    await first.keeper.renew();
    // The second tab missed the announcement and renews later with what it holds.
    await second.keeper.renew();
    expect(refreshes(), 'refresh-0 is never sent twice').to.deep.equal(['refresh-0']);
    expect(second.keeper.session?.tokens.refreshToken).to.equal('refresh-1');
    expect(second.host.ended).to.deep.equal([]);
  });

  it('should announce a renewal to the other tabs, which take it without a request', async () => {
    const { refreshes } = rotatingTokenEndpoint();
    const config = newConfig();
    const first = keeper(config);
    const second = keeper(config);
    await first.keeper.begin(session('access-0', 'refresh-0'), true);
    await waitUntil(() => second.host.changed.length === 1, 'the other tab took the new session');
    await first.keeper.renew();
    await waitUntil(() => second.host.changed.length === 2, 'the other tab took the renewal');
    expect(second.keeper.session?.tokens.accessToken).to.equal('access-1');
    expect(refreshes()).to.have.length(1);
    expect(second.host.accountChanges, 'the same user throughout').to.deep.equal([false, false]);
  });

  describe('another user signing in (security review, issue 12, finding 2)', () => {
    const REVOCATION_ENDPOINT = 'https://op.example/revoke';

    /** `session()` for user `sub`, at a provider with a revocation endpoint. */
    function sessionOf(sub: string, accessToken: string, refreshToken: string, lifetime?: number, age?: number): Session {
      const s = session(accessToken, refreshToken, lifetime, age);
      return {
        tokens: { ...s.tokens, claims: { sub } },
        metadata: providerMetadata({ revocation_endpoint: REVOCATION_ENDPOINT }) as Session['metadata'],
      };
    }

    function revocations(provider: FakeProvider): (string | null)[] {
      return provider.to(REVOCATION_ENDPOINT).map((r) => r.body.get('token'));
    }

    it("should tell of an account change when another tab stores another user's session, and revoke the previous refresh token", async () => {
      const provider = installFakeProvider({ [REVOCATION_ENDPOINT]: () => new Response(null, { status: 200 }) });
      const config = newConfig();
      const tabA = keeper(config);
      const tabB = keeper(config);
      await tabA.keeper.begin(sessionOf('alice', 'access-alice', 'refresh-alice'), true);
      await waitUntil(() => tabB.host.changed.length === 1, 'tab B took the session');
      expect(tabB.host.accountChanges, 'a first session is no account change').to.deep.equal([false]);

      await tabB.keeper.begin(sessionOf('bob', 'access-bob', 'refresh-bob'), true);
      await waitUntil(() => tabA.host.changed.length === 1, "tab A took bob's session");
      expect(tabA.host.accountChanges).to.deep.equal([true]);
      expect(tabA.keeper.session?.tokens.claims['sub']).to.equal('bob');
      await waitUntil(() => revocations(provider).length >= 2, 'revoked by the tab that replaced it, and by tab A');
      expect(revocations(provider)).to.deep.equal(['refresh-alice', 'refresh-alice']);
    });

    it("should tell of an account change when a renewal finds another user's session in the store", async () => {
      const provider = installFakeProvider({ [REVOCATION_ENDPOINT]: () => new Response(null, { status: 200 }) });
      const config = newConfig();
      const tabA = keeper(config);
      // Due for renewal.
      await tabA.keeper.begin(sessionOf('alice', 'access-alice', 'refresh-alice', 60_000, 50_000), false);
      // Another tab stored bob's session; its announcement never arrived.
      const bob = sessionOf('bob', 'access-bob', 'refresh-bob');
      await indexedDbSessionStore().set(`${config.issuer} ${config.clientId}`, { version: 1, issuer: config.issuer, clientId: config.clientId, ...bob });

      await tabA.keeper.renew();
      expect(provider.to(TOKEN_ENDPOINT), "bob's fresh session is taken as it is").to.have.length(0);
      expect(tabA.host.accountChanges).to.deep.equal([true]);
      expect(tabA.host.changed[0]?.tokens.accessToken).to.equal('access-bob');
      await waitUntil(() => revocations(provider).length === 1, "alice's refresh token revoked");
      expect(revocations(provider)).to.deep.equal(['refresh-alice']);
    });
  });

  it('should end the session everywhere on invalid_grant: expired here, other-tab elsewhere, store emptied', async () => {
    installFakeProvider({ [TOKEN_ENDPOINT]: () => json({ error: 'invalid_grant' }, 400) });
    const config = newConfig();
    const first = keeper(config);
    const second = keeper(config);
    await first.keeper.begin(session('access-0', 'refresh-0'), true);
    await waitUntil(() => second.keeper.session !== undefined, 'the other tab has the session');
    await first.keeper.renew();
    expect(first.host.ended).to.deep.equal(['expired']);
    expect(first.keeper.session).to.equal(undefined);
    await waitUntil(() => second.host.ended.length === 1, 'the other tab signed out');
    expect(second.host.ended).to.deep.equal(['other-tab']);
    expect(await indexedDbSessionStore().get(`${config.issuer} ${config.clientId}`)).to.equal(undefined);
  });

  it('should keep the session and report the failure when the provider is unreachable', async () => {
    installFakeProvider({ [TOKEN_ENDPOINT]: () => Promise.reject(networkFailure()) });
    const config = newConfig();
    const { keeper: k, host } = keeper(config);
    await k.begin(session('access-0', 'refresh-0'), true);
    await k.renew().catch(() => undefined);
    expect(host.failures.map((e) => e.code)).to.deep.equal(['network_error']);
    expect(host.ended).to.deep.equal([]);
    expect(k.session?.tokens.accessToken).to.equal('access-0');
  });

  it('should expire a session without a refresh token once its access token has expired', async () => {
    installFakeProvider();
    const config = newConfig();
    const { keeper: k, host } = keeper(config);
    await k.begin(session('access-0', undefined, 50), true);
    await waitUntil(() => host.ended.length === 1, 'expired', { timeout: 2000 });
    expect(host.ended).to.deep.equal(['expired']);
  });

  it('should forget the session in every tab at end()', async () => {
    installFakeProvider();
    const config = newConfig();
    const first = keeper(config);
    const second = keeper(config);
    await first.keeper.begin(session('access-0', 'refresh-0'), true);
    await waitUntil(() => second.keeper.session !== undefined, 'the other tab has the session');
    const ended = await first.keeper.end();
    expect(ended?.tokens.refreshToken, 'end() hands back the tokens, for revocation').to.equal('refresh-0');
    await waitUntil(() => second.host.ended.length === 1, 'the other tab signed out');
    expect(second.host.ended).to.deep.equal(['other-tab']);
    expect(await keeper(config).keeper.restore()).to.equal(undefined);
  });
});
