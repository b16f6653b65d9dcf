/// <reference types="mocha" />
/**
 * Pushed authorization requests (RFC 9126) through the element: `login()` pushes when the
 * provider requires it or `par` is set, stores the transaction, then navigates with only
 * `client_id` and `request_uri`. A failed push gives one coded `error`, no navigation, no stored
 * transaction, and a Log in button that works again.
 */
import { expect } from '@open-wc/testing';
import { keys } from 'idb-keyval';
import { ofType } from '../helpers/events.js';
import { DEFAULT_ATTRIBUTES, expectOneError, mount, settle, untilStatus, useHarness, type Mounted } from '../helpers/element.js';
import {
  AUTHORIZATION_ENDPOINT,
  CLIENT_ID,
  DISCOVERY_URL,
  installFakeProvider,
  json,
  networkFailure,
  PAR_ENDPOINT,
  providerMetadata,
  type FakeProvider,
  type Handler,
} from '../helpers/provider.js';
import { elementStore, storedTransaction } from '../helpers/transactions.js';
import type { TransactionRecord } from '../../src/storage/transaction-store.js';

const REQUEST_URI = 'urn:ietf:params:oauth:request_uri:abc123';
const pushed: Handler = () => json({ request_uri: REQUEST_URI, expires_in: 60 }, 201);

interface Attempt extends Mounted {
  provider: FakeProvider;
  /** The stored transaction read back at the moment of each navigation. */
  storedAtNavigation: Promise<TransactionRecord | undefined>[];
}

/**
 * Mounts the element against a provider whose discovery document has `metadata` over the
 * defaults and whose PAR endpoint answers `par`, then clicks Log in and waits for the outcome.
 */
async function attempt(
  options: { metadata?: Record<string, unknown>; par?: Handler; attributes?: Record<string, string> } = {},
): Promise<Attempt> {
  const provider = installFakeProvider({
    [DISCOVERY_URL]: () =>
      json(providerMetadata({ pushed_authorization_request_endpoint: PAR_ENDPOINT, require_pushed_authorization_requests: true, ...options.metadata })),
    [PAR_ENDPOINT]: options.par ?? pushed,
  });
  const mounted = await mount({ ...DEFAULT_ATTRIBUTES, ...options.attributes });
  await untilStatus(mounted.el, 'signed-out');
  const storedAtNavigation: Attempt['storedAtNavigation'] = [];
  mounted.el.onNavigate = () => {
    const state = provider.to(PAR_ENDPOINT).at(-1)?.body.get('state');
    storedAtNavigation.push(state ? storedTransaction(state) : Promise.resolve(undefined));
  };
  await mounted.el.login();
  await settle();
  return { ...mounted, provider, storedAtNavigation };
}

/** The push happened once, the transaction was stored before navigating, the URL is a reference. */
async function expectPushedLogin(outcome: Attempt) {
  const { el, events, provider } = outcome;
  expect(ofType(events, 'error'), 'errors').to.have.length(0);
  expect(provider.to(PAR_ENDPOINT), 'pushes').to.have.length(1);
  const body = provider.to(PAR_ENDPOINT)[0]!.body;
  expect(el.navigated, 'navigations').to.have.length(1);
  const url = el.navigated[0]!;
  expect(url.origin + url.pathname).to.equal(AUTHORIZATION_ENDPOINT);
  expect([...url.searchParams]).to.deep.equal([
    ['client_id', CLIENT_ID],
    ['request_uri', REQUEST_URI],
  ]);
  const record = await outcome.storedAtNavigation[0];
  expect(record, 'the transaction was stored before navigating').to.include({ state: body.get('state'), clientId: CLIENT_ID });
  expect(body.get('nonce')).to.equal(record!.nonce);
  expect(el.status).to.equal('signing-in');
}

/** One error with `code`, nothing pushed after it, no navigation, no transaction stored. */
async function expectFailedPush(outcome: Attempt, code: string) {
  const detail = expectOneError(outcome, code);
  expect(outcome.el.navigated, 'navigations').to.have.length(0);
  expect(await keys(elementStore), 'stored transactions').to.deep.equal([]);
  return detail;
}

describe('<pkce-login> pushed authorization requests', () => {
  useHarness();

  it('should push when the provider requires it, store the transaction, and navigate with client_id and request_uri only', async () => {
    await expectPushedLogin(await attempt());
  });

  it('should push with the par attribute when the provider does not require it', async () => {
    await expectPushedLogin(await attempt({ metadata: { require_pushed_authorization_requests: false }, attributes: { par: '' } }));
  });

  it('should not push without par when the provider does not require it', async () => {
    const { el, provider } = await attempt({ metadata: { require_pushed_authorization_requests: false } });
    expect(provider.to(PAR_ENDPOINT)).to.have.length(0);
    expect(el.navigated).to.have.length(1);
    expect(el.navigated[0]!.searchParams.has('code_challenge')).to.equal(true);
    expect(el.navigated[0]!.searchParams.has('request_uri')).to.equal(false);
  });

  it('should report invalid_config naming par when the provider has no PAR endpoint, and keep the widget usable', async () => {
    const outcome = await attempt({
      metadata: { pushed_authorization_request_endpoint: undefined, require_pushed_authorization_requests: undefined },
      attributes: { par: '' },
    });
    const { message } = await expectFailedPush(outcome, 'invalid_config');
    expect(message).to.include('"par"');
    expect(outcome.provider.to(PAR_ENDPOINT)).to.have.length(0);
  });

  it("should pass the PAR endpoint's OAuth error through with its description, then push again on the next click", async () => {
    let refuse = true;
    const outcome = await attempt({
      par: (request) => (refuse ? json({ error: 'invalid_request', error_description: 'bad scope' }, 400) : pushed(request)),
    });
    const { description } = await expectFailedPush(outcome, 'invalid_request');
    expect(description).to.equal('bad scope');

    refuse = false;
    await outcome.el.login();
    await settle();
    expect(outcome.el.navigated).to.have.length(1);
    expect([...outcome.el.navigated[0]!.searchParams.keys()]).to.deep.equal(['client_id', 'request_uri']);
    expect(await outcome.storedAtNavigation[0]).to.include({ clientId: CLIENT_ID });
  });

  it('should report network_error when the push fails to complete', async () => {
    const outcome = await attempt({
      par: () => {
        throw networkFailure();
      },
    });
    await expectFailedPush(outcome, 'network_error');
  });

  it('should report invalid_response for a PAR answer without request_uri', async () => {
    await expectFailedPush(await attempt({ par: () => json({ expires_in: 60 }, 201) }), 'invalid_response');
  });
});
