/// <reference types="mocha" />
/**
 * Issue 15, with the fake provider: tokens per API (`apis`, `getAccessToken({ resource, audience,
 * scope })`, `el.fetch()` picking the longest prefix, `token` events with `detail.api`, one
 * refresh token chain), step-up (RFC 9470: the challenge as an `error` event, the 401 given back,
 * `stepUp()` and the `acr` check), organizations (`organization`, `org_id` / `org_name`) and
 * invitation links.
 */
import { expect } from '@open-wc/testing';
import { pageWith, setAddress, withResponse } from '../helpers/address.js';
import { describeLog, ofType } from '../helpers/events.js';
import {
  DEFAULT_ATTRIBUTES,
  expectOneError,
  expectSignedIn,
  mount,
  settle,
  untilLoginOrError,
  untilStatus,
  useHarness,
  type Mounted,
} from '../helpers/element.js';
import { nowSeconds } from '../helpers/jwt.js';
import {
  ACCESS_TOKEN,
  installFakeProvider,
  ISSUER,
  json,
  REFRESH_TOKEN,
  TOKEN_ENDPOINT,
  tokenBody,
  type FakeProvider,
  type Handler,
  type RecordedRequest,
} from '../helpers/provider.js';
import { rejection } from '../helpers/rejection.js';

const ONE = 'https://one.api.example';
const TWO = 'https://two.api.example';
const APIS = {
  [`${ONE}/`]: { resource: 'urn:api:one', scope: 'read:one' },
  [`${TWO}/`]: { audience: 'https://two.api.example/', scope: 'read:two' },
  [`${TWO}/admin`]: { audience: 'https://two.api.example/', scope: 'admin' },
};

interface Setup {
  /** Claims of the ID token the code exchange answers. */
  claims?: Record<string, unknown>;
  /** Members of the code exchange's body (`refresh_token: undefined` …). */
  body?: Record<string, unknown>;
  /** Answers of the APIs, by origin. */
  apis?: Record<string, Handler>;
}

interface Outcome extends Mounted {
  provider: FakeProvider;
  /** The authorization request. */
  authorization: URL;
}

/**
 * A token endpoint that answers the code exchange with `setup`'s ID token, and each refresh grant
 * with a new access token named after what it asked for (`at-<n>-<resource|audience|own>`) and a
 * rotated refresh token (`rt-<n>`).
 */
function tokenEndpoint(nonce: () => string | undefined, setup: Setup): Handler {
  let grants = 0;
  return (request) => {
    if (request.body.get('grant_type') === 'authorization_code') return json(tokenBody(nonce(), { claims: setup.claims, body: setup.body }));
    grants += 1;
    const target = request.body.get('resource') ?? request.body.get('audience') ?? 'own';
    return json({
      access_token: `at-${grants}-${target}`,
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token: `rt-${grants}`,
      ...(request.body.has('scope') && { scope: request.body.get('scope') }),
    });
  };
}

/** An API that answers 200 with the Authorization header it got. */
const echo: Handler = (request) => json({ authorization: request.headers.get('authorization') });

/**
 * A whole login with `attributes`: the first element starts it (`options` to `login()`, or
 * `stepUp`), the provider comes back with a code, a second element completes it.
 */
async function loginWith(
  attributes: Record<string, string>,
  setup: Setup = {},
  start: (el: Mounted['el']) => Promise<void> = (el) => el.login(),
): Promise<Outcome> {
  let nonce: string | undefined;
  const routes: Record<string, Handler> = { [TOKEN_ENDPOINT]: tokenEndpoint(() => nonce, setup) };
  for (const [origin, handler] of Object.entries(setup.apis ?? {})) {
    for (const path of ['/', '/items', '/v2/items', '/admin', '/admin/report', '/other']) routes[origin + path] = handler;
  }
  const provider = installFakeProvider(routes);
  const first = await mount({ ...DEFAULT_ATTRIBUTES, ...attributes });
  await untilStatus(first.el, 'signed-out');
  await start(first.el);
  expect(ofType(first.events, 'error'), describeLog(first.events)).to.have.length(0);
  const authorization = first.el.navigated[0]!;
  nonce = authorization.searchParams.get('nonce') ?? undefined;
  first.el.remove();

  setAddress(withResponse(pageWith(), { code: 'the-code', state: authorization.searchParams.get('state')!, iss: ISSUER }));
  const second = await mount({ ...DEFAULT_ATTRIBUTES, ...attributes });
  await untilLoginOrError(second.events);
  await settle();
  return { ...second, provider, authorization };
}

/** The refresh grants made, as their bodies. */
function refreshGrants(provider: FakeProvider): Record<string, string>[] {
  return provider
    .to(TOKEN_ENDPOINT)
    .filter((r) => r.body.get('grant_type') === 'refresh_token')
    .map((r) => Object.fromEntries(r.body));
}

function authorizationOf(requests: RecordedRequest[]): string[] {
  return requests.map((r) => r.headers.get('authorization') ?? '');
}

describe('apis: tokens per API (issue 15)', () => {
  useHarness();

  it('should name each API resource and ask for every API scope at login (apis as JSON in the attribute)', async () => {
    const { authorization } = await loginWith({ apis: JSON.stringify(APIS) });
    expect(authorization.searchParams.getAll('resource')).to.deep.equal(['urn:api:one']);
    expect(authorization.searchParams.get('scope')).to.equal('openid profile email admin read:one read:two offline_access');
    expect(authorization.searchParams.has('audience')).to.equal(false);
  });

  it('should get an API token with one refresh grant asking for it, keep it, and announce it with detail.api', async () => {
    const outcome = await loginWith({ apis: JSON.stringify(APIS) });
    expectSignedIn(outcome);
    const { el, events, provider } = outcome;
    expect(await el.getAccessToken({ resource: 'urn:api:one', scope: 'read:one' })).to.equal('at-1-urn:api:one');
    expect(await el.getAccessToken({ resource: 'urn:api:one', scope: 'read:one' }), 'kept').to.equal('at-1-urn:api:one');
    expect(await el.getAccessToken({ audience: 'https://two.api.example/' })).to.equal('at-2-https://two.api.example/');
    expect(refreshGrants(provider)).to.deep.equal([
      { grant_type: 'refresh_token', refresh_token: REFRESH_TOKEN, client_id: 'client-1', resource: 'urn:api:one', scope: 'read:one' },
      // The refresh token the first grant rotated.
      { grant_type: 'refresh_token', refresh_token: 'rt-1', client_id: 'client-1', audience: 'https://two.api.example/' },
    ]);
    const tokens = ofType(events, 'token').map((e) => e.detail as Record<string, unknown>);
    expect(tokens).to.have.length(3);
    expect(tokens[0]).to.not.have.property('api');
    expect(tokens[1]).to.deep.equal({ accessToken: 'at-1-urn:api:one', tokenType: 'Bearer', expiresAt: tokens[1]!['expiresAt'], scope: 'read:one', api: { resource: 'urn:api:one', scope: 'read:one' } });
    expect(tokens[2]!['api']).to.deep.equal({ audience: 'https://two.api.example/' });
    expect(await el.getAccessToken(), "the element's own token, unchanged").to.equal(ACCESS_TOKEN);
    expect(await el.getAccessToken({}), 'no API named: the own token').to.equal(ACCESS_TOKEN);
  });

  it("should give the element's own token for its own audience with nothing else: single-audience pages unchanged", async () => {
    const outcome = await loginWith({ audience: 'https://two.api.example/' });
    const { el, provider, authorization } = outcome;
    expect(authorization.searchParams.get('audience')).to.equal('https://two.api.example/');
    expect(await el.getAccessToken({ audience: 'https://two.api.example/' })).to.equal(ACCESS_TOKEN);
    expect(refreshGrants(provider)).to.deep.equal([]);
  });

  it('should keep the API tokens in the stored session: another element of the client makes no grant', async () => {
    const { el, provider } = await loginWith({ apis: JSON.stringify(APIS) });
    const token = await el.getAccessToken({ resource: 'urn:api:one', scope: 'read:one' });
    const other = await mount({ ...DEFAULT_ATTRIBUTES, apis: JSON.stringify(APIS) });
    await untilStatus(other.el, 'signed-in');
    expect(await other.el.getAccessToken({ resource: 'urn:api:one', scope: 'read:one' })).to.equal(token);
    expect(refreshGrants(provider)).to.have.length(1);
  });

  it('should reject with missing_refresh_token, and no request, when the session has no refresh token', async () => {
    const { el, provider } = await loginWith({ apis: JSON.stringify(APIS) }, { body: { refresh_token: undefined } });
    const error = await rejection(el.getAccessToken({ resource: 'urn:api:one' }));
    expect(error.code).to.equal('missing_refresh_token');
    expect(error.message).to.include('refresh token');
    expect(refreshGrants(provider)).to.deep.equal([]);
    expect(await el.getAccessToken()).to.equal(ACCESS_TOKEN);
  });

  it('should reject with login_required when signed out', async () => {
    installFakeProvider();
    const { el } = await mount();
    await untilStatus(el, 'signed-out');
    expect((await rejection(el.getAccessToken({ resource: 'urn:api:one' }))).code).to.equal('login_required');
  });

  it('el.fetch() should send the token of the longest matching prefix, the own token to api-origins, nothing elsewhere', async () => {
    const outcome = await loginWith({ apis: JSON.stringify(APIS), 'api-origins': 'https://plain.api.example' }, { apis: { [ONE]: echo, [TWO]: echo, 'https://plain.api.example': echo } });
    const { el, provider } = outcome;
    expect((await el.fetch(`${ONE}/items`)).status).to.equal(200);
    expect((await el.fetch(`${TWO}/admin/report`)).status).to.equal(200);
    expect((await el.fetch(`${TWO}/items`)).status).to.equal(200);
    expect((await el.fetch('https://plain.api.example/items')).status).to.equal(200);
    expect(authorizationOf(provider.to(`${ONE}/items`))).to.deep.equal(['Bearer at-1-urn:api:one']);
    expect(authorizationOf(provider.to(`${TWO}/admin/report`))).to.deep.equal(['Bearer at-2-https://two.api.example/']);
    expect(authorizationOf(provider.to(`${TWO}/items`))).to.deep.equal(['Bearer at-3-https://two.api.example/']);
    expect(refreshGrants(provider).map((g) => g['scope'])).to.deep.equal(['read:one', 'admin', 'read:two']);
    expect(authorizationOf(provider.to('https://plain.api.example/items'))).to.deep.equal([`Bearer ${ACCESS_TOKEN}`]);
    const before = provider.requests.length;
    for (const url of ['https://third.example/items', `${location.origin}/x`, 'http://one.api.example/items']) {
      expect((await rejection(el.fetch(url))).code, url).to.equal('origin_not_allowed');
    }
    expect(provider.requests.length, 'nothing sent').to.equal(before);
  });

  it('el.fetch() should ask for a new API token, not renew its own, when an API answers 401', async () => {
    let calls = 0;
    const once401: Handler = (request) =>
      calls++ === 0 ? json({ error: 'invalid_token' }, 401, { 'www-authenticate': 'Bearer error="invalid_token"' }) : echo(request);
    const { el, provider, events } = await loginWith({ apis: JSON.stringify(APIS) }, { apis: { [ONE]: once401 } });
    expect((await el.fetch(`${ONE}/items`)).status).to.equal(200);
    expect(authorizationOf(provider.to(`${ONE}/items`))).to.deep.equal(['Bearer at-1-urn:api:one', 'Bearer at-2-urn:api:one']);
    expect(refreshGrants(provider).map((g) => [g['refresh_token'], g['resource']])).to.deep.equal([
      [REFRESH_TOKEN, 'urn:api:one'],
      ['rt-1', 'urn:api:one'],
    ]);
    expect(ofType(events, 'error')).to.deep.equal([]);
  });

  it("should renew the element's own token with the refresh token an API grant rotated", async () => {
    let calls = 0;
    const once401: Handler = (request) => (calls++ === 0 ? json({}, 401) : echo(request));
    const { el, provider } = await loginWith({ apis: JSON.stringify(APIS), 'api-origins': 'https://plain.api.example' }, { apis: { 'https://plain.api.example': once401 } });
    await el.getAccessToken({ resource: 'urn:api:one', scope: 'read:one' });
    expect((await el.fetch('https://plain.api.example/items')).status).to.equal(200);
    expect(refreshGrants(provider).map((g) => [g['refresh_token'], g['resource'] ?? 'own'])).to.deep.equal([
      [REFRESH_TOKEN, 'urn:api:one'],
      ['rt-1', 'own'],
    ]);
    expect(await el.getAccessToken()).to.equal('at-2-own');
    // And the API token survives the renewal.
    expect(await el.getAccessToken({ resource: 'urn:api:one', scope: 'read:one' })).to.equal('at-1-urn:api:one');
  });
});

describe('step-up (RFC 9470)', () => {
  useHarness();

  const challenge: Handler = () =>
    json({ error: 'insufficient_user_authentication' }, 401, {
      'www-authenticate': 'Bearer error="insufficient_user_authentication", error_description="more", acr_values="urn:mfa urn:hw", max_age=120',
    });

  it('should give the 401 back unchanged, with an error event carrying the challenge, and ask for no token', async () => {
    const { el, provider, events } = await loginWith({ apis: JSON.stringify(APIS) }, { apis: { [ONE]: challenge } });
    const response = await el.fetch(`${ONE}/items`);
    expect(response.status).to.equal(401);
    expect(await response.json()).to.deep.equal({ error: 'insufficient_user_authentication' });
    const errors = ofType(events, 'error');
    expect(errors, describeLog(events)).to.have.length(1);
    expect(errors[0]!.detail).to.deep.include({ code: 'insufficient_user_authentication', challenge: { acrValues: 'urn:mfa urn:hw', maxAge: 120 } });
    expect(errors[0]!.event.bubbles).to.equal(false);
    expect(provider.to(`${ONE}/items`), 'sent once').to.have.length(1);
    expect(refreshGrants(provider), 'only the API token, no renewal').to.have.length(1);
    expect(el.status).to.equal('signed-in');
  });

  it("should read a challenge on the element's own token too, and one with max_age only", async () => {
    const maxAgeOnly: Handler = () => json({}, 401, { 'www-authenticate': 'Bearer error="insufficient_user_authentication", max_age=0' });
    const { el, events } = await loginWith({ 'api-origins': ONE }, { apis: { [ONE]: maxAgeOnly } });
    expect((await el.fetch(`${ONE}/items`)).status).to.equal(401);
    expect(ofType(events, 'error')[0]!.detail.challenge).to.deep.equal({ maxAge: 0 });
  });

  it('stepUp() should log in again with acr_values and max_age, and sign in when the ID token has one of the acr', async () => {
    const outcome = await loginWith({}, { claims: { acr: 'urn:hw', auth_time: nowSeconds() - 10 } }, (el) =>
      el.stepUp({ acrValues: 'urn:mfa urn:hw', maxAge: 120 }, { authorizationParams: { prompt: 'login' } }),
    );
    expect(outcome.authorization.searchParams.get('acr_values')).to.equal('urn:mfa urn:hw');
    expect(outcome.authorization.searchParams.get('max_age')).to.equal('120');
    expect(outcome.authorization.searchParams.get('prompt')).to.equal('login');
    expectSignedIn(outcome);
    expect(outcome.el.user?.['acr']).to.equal('urn:hw');
  });

  for (const [name, claims] of [
    ['another acr', { acr: 'urn:password', auth_time: nowSeconds() }],
    ['no acr', { auth_time: nowSeconds() }],
  ] as const) {
    it(`should refuse an ID token with ${name} after stepUp(): id_token_invalid naming acr`, async () => {
      const outcome = await loginWith({}, { claims }, (el) => el.stepUp({ acrValues: 'urn:mfa' }));
      const { message } = expectOneError(outcome, 'id_token_invalid');
      expect(message).to.include('acr').and.include('urn:mfa');
    });
  }

  it('should refuse an auth_time older than the challenge max_age: id_token_invalid', async () => {
    const outcome = await loginWith({}, { claims: { auth_time: nowSeconds() - 3600 } }, (el) => el.stepUp({ maxAge: 60 }));
    expect(expectOneError(outcome, 'id_token_invalid').message).to.include('max_age=60');
  });

  it('should check acr_values given to login() too', async () => {
    const outcome = await loginWith({}, { claims: { acr: 'urn:password' } }, (el) => el.login({ authorizationParams: { acr_values: 'urn:mfa' } }));
    expectOneError(outcome, 'id_token_invalid');
  });
});

describe('organizations', () => {
  useHarness();

  const cases: [string, string, Record<string, unknown>, boolean][] = [
    ['an org_id equal to it', 'org_abc123', { org_id: 'org_abc123' }, true],
    ['another org_id', 'org_abc123', { org_id: 'org_evil' }, false],
    ['no org_id (only org_name)', 'org_abc123', { org_name: 'org_abc123' }, false],
    ['an org_name equal but for letter case', 'Acme', { org_name: 'acme' }, true],
    ['another org_name', 'acme', { org_name: 'umbrella', org_id: 'org_acme' }, false],
  ];
  for (const [name, organization, claims, accepted] of cases) {
    it(`should ${accepted ? 'accept' : 'refuse'} an ID token with ${name} for organization="${organization}"`, async () => {
      const outcome = await loginWith({ organization }, { claims });
      expect(outcome.authorization.searchParams.get('organization')).to.equal(organization);
      if (accepted) expectSignedIn(outcome);
      else expect(expectOneError(outcome, 'id_token_invalid').message).to.include(organization.startsWith('org_') ? 'org_id' : 'org_name');
    });
  }

  it('should check an organization given in authorizationParams the same way', async () => {
    const outcome = await loginWith({}, { claims: { org_id: 'org_other' } }, (el) => el.login({ authorizationParams: { organization: 'org_mine' } }));
    expectOneError(outcome, 'id_token_invalid');
  });

  it('should refuse organization without the openid scope: invalid_config at login()', async () => {
    const provider = installFakeProvider();
    const mounted = await mount({ ...DEFAULT_ATTRIBUTES, organization: 'org_x', scope: 'profile' });
    await untilStatus(mounted.el, 'signed-out');
    await mounted.el.login();
    await settle();
    expect(expectOneError(mounted, 'invalid_config').message).to.include('organization').and.include('openid');
    expect(mounted.el.navigated).to.deep.equal([]);
    expect(provider.to(TOKEN_ENDPOINT)).to.deep.equal([]);
  });

  it('should carry an invitation link into the next login, then take it out of the address', async () => {
    installFakeProvider();
    setAddress(pageWith({ invitation: 'inv_123', organization: 'org_abc', keep: '1' }));
    const { el } = await mount({ ...DEFAULT_ATTRIBUTES, organization: 'org_configured' });
    await untilStatus(el, 'signed-out');
    expect(el.navigated, 'no login on its own').to.deep.equal([]);
    await el.login();
    const sent = el.navigated[0]!.searchParams;
    expect([sent.get('invitation'), sent.get('organization')]).to.deep.equal(['inv_123', 'org_abc']);
    const address = new URL(location.href).searchParams;
    expect([address.has('invitation'), address.has('organization'), address.get('keep')]).to.deep.equal([false, false, '1']);
    // A reload (a new element) finds no invitation any more.
    const again = await mount({ ...DEFAULT_ATTRIBUTES, organization: 'org_configured' });
    await untilStatus(again.el, 'signed-out');
    await again.el.login();
    const next = again.el.navigated[0]!.searchParams;
    expect([next.has('invitation'), next.get('organization')], 'once only').to.deep.equal([false, 'org_configured']);
  });

  it('should leave an organization parameter without invitation alone', async () => {
    installFakeProvider();
    setAddress(pageWith({ organization: 'org_abc' }));
    const { el } = await mount();
    await untilStatus(el, 'signed-out');
    await el.login();
    expect(el.navigated[0]!.searchParams.has('organization')).to.equal(false);
  });
});
