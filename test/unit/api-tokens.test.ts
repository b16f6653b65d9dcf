/// <reference types="mocha" />
/**
 * `SessionKeeper.apiToken` (issue 15): an API's token comes from a refresh grant that asks for it,
 * under the renewals' lock, and the refresh token that grant rotates is the one every later grant
 * sends, in this tab (memory or persistent sessions) and in the others (through the store). An
 * old refresh token is never sent twice.
 */
import { expect, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import { resolveConfig } from '../../src/protocol/config.js';
import { SessionKeeper, type Session } from '../../src/session/session-keeper.js';
import { indexedDbSessionStore } from '../../src/storage/session-store.js';
import { ISSUER, TOKEN_ENDPOINT, installFakeProvider, json, providerMetadata } from '../helpers/provider.js';

const noHost = { sessionChanged() {}, sessionEnded() {}, renewalFailed() {} };
let count = 0;
let keepers: SessionKeeper[] = [];

function newConfig(session: 'persistent' | 'memory' = 'persistent') {
  return resolveConfig({ issuer: ISSUER, clientId: `api-tokens-${Date.now()}-${count++}`, session }, new URL(location.href));
}

function keeper(config: ReturnType<typeof newConfig>): SessionKeeper {
  const k = new SessionKeeper(config, noHost);
  keepers.push(k);
  return k;
}

function session(): Session {
  const receivedAt = Date.now();
  return {
    tokens: { accessToken: 'access-0', tokenType: 'Bearer', receivedAt, expiresAt: receivedAt + 3_600_000, scope: 'openid', idToken: undefined, refreshToken: 'refresh-0', claims: { sub: 'user-1' } },
    metadata: providerMetadata() as Session['metadata'],
  };
}

/** Each refresh grant answers a new access token (named after its resource) and a rotated refresh token; it records what was sent. */
function rotating() {
  let grants = 0;
  const provider = installFakeProvider({
    [TOKEN_ENDPOINT]: async (request) => {
      grants += 1;
      const n = grants;
      // Slow enough for grants asked for at once to overlap if they were not serialised.
      await new Promise((resolve) => setTimeout(resolve, 20));
      return json({ access_token: `access-${n}-${request.body.get('resource') ?? 'own'}`, token_type: 'Bearer', expires_in: 3600, refresh_token: `refresh-${n}` });
    },
  });
  return () => provider.to(TOKEN_ENDPOINT).map((r) => `${r.body.get('refresh_token')} ${r.body.get('resource') ?? 'own'}`);
}

afterEach(() => {
  for (const k of keepers) k.close();
  keepers = [];
  sinon.restore();
});

describe('SessionKeeper.apiToken', () => {
  for (const mode of ['persistent', 'memory'] as const) {
    it(`should serialise API grants and renewals in one tab, each sending the newest refresh token (${mode})`, async () => {
      const sent = rotating();
      const k = keeper(newConfig(mode));
      await k.begin(session(), true);
      const [one, , two] = await Promise.all([k.apiToken({ resource: 'urn:one' }), k.renew(), k.apiToken({ resource: 'urn:two' })]);
      expect(sent()).to.deep.equal(['refresh-0 urn:one', 'refresh-1 own', 'refresh-2 urn:two']);
      expect(one).to.deep.equal([{ ...one[0], accessToken: 'access-1-urn:one' }, true]);
      expect(two[0].accessToken).to.equal('access-3-urn:two');
      expect(k.session?.tokens.refreshToken).to.equal('refresh-3');
      expect(k.session?.tokens.accessToken, 'the renewal kept').to.equal('access-2-own');
      expect(Object.keys(k.session?.apiTokens ?? {}), 'the renewal kept the API tokens').to.have.length(2);
      expect(await k.apiToken({ resource: 'urn:one' }), 'kept, not new').to.deep.equal([one[0], false]);
    });
  }

  it("should take another tab's rotation and API token from the store", async () => {
    const sent = rotating();
    const config = newConfig();
    const first = keeper(config);
    const second = keeper(config);
    await first.begin(session(), true);
    await second.begin(session(), false);
    const [token] = await first.apiToken({ resource: 'urn:one' });
    // The second tab holds refresh-0 in memory: it must not send it.
    expect((await second.apiToken({ resource: 'urn:one' }))[0]).to.deep.equal(token);
    await second.apiToken({ resource: 'urn:two' });
    await second.renew();
    expect(sent()).to.deep.equal(['refresh-0 urn:one', 'refresh-1 urn:two', 'refresh-2 own']);
    const stored = await indexedDbSessionStore().get(`${config.issuer} ${config.clientId}`);
    expect(stored?.tokens.refreshToken).to.equal('refresh-3');
    expect(Object.keys(stored?.apiTokens ?? {})).to.deep.equal(['["urn:one",null,null]', '["urn:two",null,null]']);
  });

  it("should take another tab's API grant quietly: its rotated refresh token is the one this tab revokes at logout", async () => {
    rotating();
    const config = newConfig();
    const first = keeper(config);
    const second = keeper(config);
    const changes: unknown[] = [];
    const listening = new SessionKeeper(config, { ...noHost, sessionChanged: (s) => changes.push(s) });
    keepers.push(listening);
    await first.begin(session(), true);
    await second.begin(session(), false);
    await listening.restore();
    await first.apiToken({ resource: 'urn:one' });
    await waitUntil(() => second.session?.tokens.refreshToken === 'refresh-1', 'the other tab took the rotated refresh token');
    await waitUntil(() => listening.session?.apiTokens?.['["urn:one",null,null]'] !== undefined, 'and the API token');
    expect(second.session?.tokens.accessToken).to.equal('access-0');
    expect((await second.end())?.tokens.refreshToken, 'what logout revokes').to.equal('refresh-1');
    expect(changes, 'no token or login for an API grant').to.have.length(0);
  });

  it('should ask anew for a token its API refused (stale), and keep the provider error without ending the session', async () => {
    const sent = rotating();
    const k = keeper(newConfig());
    await k.begin(session(), true);
    const [first] = await k.apiToken({ resource: 'urn:one' });
    const [second, fresh] = await k.apiToken({ resource: 'urn:one' }, first.accessToken);
    expect([second.accessToken, fresh]).to.deep.equal(['access-2-urn:one', true]);
    expect(sent()).to.deep.equal(['refresh-0 urn:one', 'refresh-1 urn:one']);
    sinon.restore();
    installFakeProvider({ [TOKEN_ENDPOINT]: () => json({ error: 'invalid_target', error_description: 'unknown resource' }, 400) });
    const error = await k.apiToken({ resource: 'urn:unknown' }).then(
      () => expect.fail('expected a rejection'),
      (e: unknown) => e as { code: string },
    );
    expect(error.code).to.equal('invalid_target');
    expect(k.session?.tokens.refreshToken, 'kept').to.equal('refresh-2');
    expect(k.session?.tokens.accessToken, 'still signed in').to.equal('access-0');
  });
});
