/// <reference types="mocha" />
/**
 * Issue 14 item 3, "messages that say what to do": a request that fails the way a CORS refusal
 * does (the fake provider's `fetch` throws a `TypeError`, as the browser does for CORS, DNS or a
 * closed port without saying which) gives a message naming the endpoint's role, its URL and the
 * page's origin, which the provider must allow. One test per endpoint the element sends requests
 * to: discovery, token, userinfo, PAR, revocation. Failures that change nothing for the user
 * (userinfo, revocation) are told on the console.
 */
import { expect, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
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
} from '../helpers/element.js';
import {
  DISCOVERY_URL,
  installFakeProvider,
  ISSUER,
  json,
  networkFailure,
  PAR_ENDPOINT,
  providerMetadata,
  TOKEN_ENDPOINT,
  tokenBody,
  USERINFO_ENDPOINT,
  type Handler,
} from '../helpers/provider.js';
import { seedTransaction } from '../helpers/transactions.js';

const REVOCATION_ENDPOINT = 'https://op.example/revoke';
const RFC8414_URL = 'https://op.example/.well-known/oauth-authorization-server';

/** What `fetch` does when the provider's answer lacks `Access-Control-Allow-Origin`. */
const corsRefusal: Handler = () => Promise.reject(networkFailure());

/** Asserts that `message` names the endpoint's role and URL, and the origin to allow. */
function expectNamed(message: string, role: string, url: string): void {
  expect(message).to.include(`the ${role} endpoint ${url}`);
  expect(message).to.include(`the provider must allow ${location.origin} (CORS)`);
}

/**
 * Signs in through a stored transaction whose metadata has `metadata` over the defaults; the
 * token endpoint answers with tokens unless `routes` say otherwise.
 */
async function signIn(routes: Record<string, Handler> = {}, metadata: Record<string, unknown> = {}) {
  const record = await seedTransaction({ metadata: providerMetadata(metadata) });
  setAddress(withResponse(pageWith(), { code: 'the-code', state: record.state, iss: ISSUER }));
  const provider = installFakeProvider({ [TOKEN_ENDPOINT]: () => json(tokenBody(record.nonce)), ...routes });
  const mounted = await mount();
  await untilLoginOrError(mounted.events);
  await settle();
  await mounted.el.updateComplete;
  return { ...mounted, provider };
}

describe('<pkce-login> messages of requests refused like CORS (issue 14)', () => {
  useHarness();

  it('should name the discovery URLs tried and the page origin: discovery_failed', async () => {
    installFakeProvider({ [DISCOVERY_URL]: corsRefusal, [RFC8414_URL]: corsRefusal });
    const mounted = await mount();
    await waitUntil(() => ofType(mounted.events, 'error').length > 0, describeLog(mounted.events), { interval: 5 });
    await settle();
    const { message } = expectOneError(mounted, 'discovery_failed');
    // Both URLs tried (OpenID Connect, then RFC 8414), refused alike: named together.
    expect(message).to.include(`discovery of ${ISSUER} failed: ${DISCOVERY_URL} and ${RFC8414_URL} could not be reached`);
    expect(message).to.include(`the provider must allow ${location.origin} (CORS)`);
  });

  it('should name the token endpoint, its URL and the page origin: network_error', async () => {
    const outcome = await signIn({ [TOKEN_ENDPOINT]: corsRefusal });
    expectNamed(expectOneError(outcome, 'network_error').message, 'token', TOKEN_ENDPOINT);
  });

  it('should sign in without the profile and name the userinfo endpoint, its URL and the page origin on the console', async () => {
    const warn = sinon.stub(console, 'warn');
    const outcome = await signIn({ [USERINFO_ENDPOINT]: corsRefusal });
    expectSignedIn(outcome);
    const warnings = warn.args.map((args) => String(args[0])).filter((text) => text.includes('userinfo'));
    expect(warnings, warn.args.join('\n')).to.have.length(1);
    expect(warnings[0]).to.match(/^<pkce-login> /);
    expectNamed(warnings[0]!, 'userinfo', USERINFO_ENDPOINT);
  });

  it('should name the PAR endpoint, its URL and the page origin: network_error', async () => {
    installFakeProvider({
      [DISCOVERY_URL]: () => json(providerMetadata({ pushed_authorization_request_endpoint: PAR_ENDPOINT })),
      [PAR_ENDPOINT]: corsRefusal,
    });
    const mounted = await mount({ ...DEFAULT_ATTRIBUTES, par: '' });
    await untilStatus(mounted.el, 'signed-out');
    await mounted.el.login();
    await settle();
    expectNamed(expectOneError(mounted, 'network_error').message, 'PAR', PAR_ENDPOINT);
    expect(mounted.el.navigated).to.have.length(0);
  });

  it('should sign out and name the revocation endpoint, its URL and the page origin on the console', async () => {
    const outcome = await signIn({ [REVOCATION_ENDPOINT]: corsRefusal }, { revocation_endpoint: REVOCATION_ENDPOINT });
    expectSignedIn(outcome);
    const warn = sinon.stub(console, 'warn');
    await outcome.el.logout({ local: true });
    expect(outcome.provider.to(REVOCATION_ENDPOINT), 'revocation requests').to.have.length(1);
    expect(outcome.el.status).to.equal('signed-out');
    expect(
      warn.args.map((args) => String(args[0])),
      warn.args.join('\n'),
    ).to.have.length(1);
    expect(String(warn.args[0]![0])).to.match(/^<pkce-login> /);
    expectNamed(String(warn.args[0]![0]), 'revocation', REVOCATION_ENDPOINT);
  });
});
