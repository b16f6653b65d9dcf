/// <reference types="mocha" />
/**
 * Popup logins (`mode="popup"`) with a stubbed `window.open` and a fake provider: the response
 * a popup relays on its BroadcastChannel completes the login in the opener, exactly once, with
 * the opener's address untouched; anything else is ignored or refused without a token request.
 */
import { expect, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import { setAddress, withResponse, pageWith } from '../helpers/address.js';
import { clearTransactions, seedTransaction, storedTransaction } from '../helpers/transactions.js';
import { describeLog, ofType } from '../helpers/events.js';
import {
  DEFAULT_ATTRIBUTES,
  expectOneError,
  expectSignedIn,
  expectUsableSignedOut,
  mount,
  settle,
  untilStatus,
  useHarness,
  type Mounted,
} from '../helpers/element.js';
import { installFakeProvider, ISSUER, json, TOKEN_ENDPOINT, tokenBody, type FakeProvider } from '../helpers/provider.js';

interface FakePopup {
  closed: boolean;
  /** Where the element sent the popup. */
  sentTo: URL[];
  location: { assign(url: string | URL): void };
  close(): void;
}

/** Stubs `window.open` with a popup that records where it is sent; `null` when `blocked`. */
function stubOpen(blocked = false): { open: sinon.SinonStub; popups: FakePopup[] } {
  const popups: FakePopup[] = [];
  const open = sinon.stub(window, 'open').callsFake(() => {
    if (blocked) return null;
    const popup: FakePopup = {
      closed: false,
      sentTo: [],
      location: { assign: (url) => popup.sentTo.push(new URL(url)) },
      close: () => (popup.closed = true),
    };
    popups.push(popup);
    return popup as unknown as Window;
  });
  return { open, popups };
}

/** Posts a relayed response as the popup page does. */
function relay(state: string, response: Record<string, string>): void {
  const channel = new BroadcastChannel(state);
  channel.postMessage(`${new URLSearchParams(response)}`);
  channel.close();
}

/** A token endpoint answering with tokens for the nonce of whichever transaction was consumed. */
function tokenResponder(): () => Promise<Response> {
  return async () => json(tokenBody(lastNonce));
}
let lastNonce: string | undefined;

/** Mounts a popup-mode element, starts a login, and returns the login's state once the popup was sent to the provider. */
async function startPopupLogin(): Promise<Mounted & { popup: FakePopup; state: string; provider: FakeProvider; open: sinon.SinonStub }> {
  const provider = installFakeProvider({ [TOKEN_ENDPOINT]: tokenResponder() });
  const { open, popups } = stubOpen();
  const mounted = await mount({ ...DEFAULT_ATTRIBUTES, mode: 'popup' });
  await untilStatus(mounted.el, 'signed-out');
  void mounted.el.login();
  // Synchronously, before any await: the click's user activation opens the popup.
  expect(open.callCount, 'window.open called synchronously').to.equal(1);
  expect(open.firstCall.args[0]).to.equal('');
  expect(String(open.firstCall.args[2])).to.match(/^popup\b/);
  const popup = popups[0]!;
  await waitUntil(() => popup.sentTo.length === 1, 'the popup was never sent to the provider');
  const state = popup.sentTo[0]!.searchParams.get('state')!;
  expect(state).to.match(/^p\./);
  const record = await storedTransaction(state);
  expect(record, 'transaction stored before the popup navigates').to.not.equal(undefined);
  lastNonce = record!.nonce;
  expect(mounted.el.navigated, 'the page itself does not navigate').to.deep.equal([]);
  expect(mounted.el.status).to.equal('signing-in');
  return { ...mounted, popup, state, provider, open };
}

describe('popup login', () => {
  useHarness();

  it('completes in the opener from the relayed response, exactly once, leaving its address alone', async () => {
    const before = location.href;
    const length = history.length;
    const started = await startPopupLogin();
    const { el, events, state, provider } = started;

    relay(state, { code: 'the-code', state, iss: ISSUER });
    await untilStatus(el, 'signed-in');
    expectSignedIn(started);
    expect(events[1]!.detail.returnTo).to.equal(undefined);
    const [exchange, ...more] = provider.to(TOKEN_ENDPOINT);
    expect(more).to.deep.equal([]);
    expect(exchange!.body.get('code')).to.equal('the-code');
    expect(await storedTransaction(state), 'transaction consumed').to.equal(undefined);
    expect(location.href).to.equal(before);
    expect(history.length).to.equal(length);

    // The same response again (the popup reloaded): nobody listens any more.
    relay(state, { code: 'the-code', state, iss: ISSUER });
    await settle(100);
    expect(provider.to(TOKEN_ENDPOINT)).to.have.length(1);
    expect(events.map((e) => e.type)).to.deep.equal(['token', 'login']);
  });

  it('ignores a message for an unknown state, on its own channel or on the login\'s', async () => {
    const { el, events, state, provider } = await startPopupLogin();

    relay('p.unknown', { code: 'c', state: 'p.unknown', iss: ISSUER });
    relay(state, { code: 'c', state: 'p.unknown', iss: ISSUER });
    await settle(200);
    expect(provider.to(TOKEN_ENDPOINT), 'no token request').to.deep.equal([]);
    expect(events, describeLog(events)).to.deep.equal([]);
    expect(el.status).to.equal('signing-in');
    expect(await storedTransaction(state), 'transaction still there').to.not.equal(undefined);

    // Still listening for its own response.
    relay(state, { code: 'c', state, iss: ISSUER });
    await untilStatus(el, 'signed-in');
  });

  it('relays a popup-state response found in the address without a token request or consuming the transaction', async () => {
    const record = await seedTransaction({ record: { state: 'p.seeded-popup-state' } });
    const provider = installFakeProvider();
    const close = sinon.stub(window, 'close');
    const relayed: string[] = [];
    const channel = new BroadcastChannel(record.state);
    channel.onmessage = ({ data }) => relayed.push(data as string);
    try {
      const page = pageWith();
      setAddress(withResponse(page, { code: 'forged', state: record.state, iss: ISSUER }));
      const { el, events } = await mount();
      await untilStatus(el, 'signed-out');
      await waitUntil(() => relayed.length === 1, 'the response was not relayed');
      expect(new URLSearchParams(relayed[0]).get('code')).to.equal('forged');
      expect(close.callCount, 'the popup closes itself').to.equal(1);
      await settle(100);
      expect(provider.to(TOKEN_ENDPOINT), 'no token request in the popup').to.deep.equal([]);
      expect(events, describeLog(events)).to.deep.equal([]);
      expect(await storedTransaction(record.state), 'transaction left for the opener').to.not.equal(undefined);
      expectUsableSignedOut(el);
    } finally {
      channel.close();
    }
  });

  it('refuses a relayed response whose transaction is gone: state_mismatch, no token request', async () => {
    const started = await startPopupLogin();
    const { el, state, provider } = started;
    await clearTransactions();

    relay(state, { code: 'c', state, iss: ISSUER });
    await untilStatus(el, 'signed-out');
    expectOneError(started, 'state_mismatch');
    expect(provider.to(TOKEN_ENDPOINT), 'no token request').to.deep.equal([]);
  });

  it('reports a closed popup once as popup_closed, and still completes a response arriving later', async () => {
    const started = await startPopupLogin();
    const { el, events, popup, state } = started;

    popup.closed = true;
    await untilStatus(el, 'signed-out', 3000);
    await settle(1000);
    expectOneError(started, 'popup_closed');

    // A popup severed by Cross-Origin-Opener-Policy looks closed, and still sends its response.
    relay(state, { code: 'c', state, iss: ISSUER });
    await untilStatus(el, 'signed-in');
    expect(events.map((e) => e.type), describeLog(events)).to.deep.equal(['error', 'token', 'login']);
  });

  it('stops waiting for a closed popup\'s response when a new login starts', async () => {
    const started = await startPopupLogin();
    const { el, events, popup, state: first, provider } = started;
    popup.closed = true;
    await untilStatus(el, 'signed-out', 3000);

    void el.login();
    await untilStatus(el, 'signing-in');
    relay(first, { code: 'c', state: first, iss: ISSUER });
    await settle(200);
    expect(provider.to(TOKEN_ENDPOINT), 'no token request').to.deep.equal([]);
    expect(ofType(events, 'error').map((e) => e.detail.code)).to.deep.equal(['popup_closed']);
    expect(ofType(events, 'login')).to.deep.equal([]);
  });

  it('passes a provider error from the popup on as the error event', async () => {
    const started = await startPopupLogin();
    const { el, state, provider } = started;

    relay(state, { error: 'access_denied', error_description: 'the user said no', state, iss: ISSUER });
    await untilStatus(el, 'signed-out');
    const detail = expectOneError(started, 'access_denied');
    expect(detail.description).to.equal('the user said no');
    expect(provider.to(TOKEN_ENDPOINT)).to.deep.equal([]);
  });

  it('falls back to the redirect login when the popup is blocked', async () => {
    installFakeProvider();
    const { open } = stubOpen(true);
    const { el, events } = await mount({ ...DEFAULT_ATTRIBUTES, mode: 'popup' });
    await untilStatus(el, 'signed-out');
    el.onNavigate = undefined;
    await el.login();
    expect(open.callCount).to.equal(1);
    expect(el.navigated, describeLog(events)).to.have.length(1);
    const state = el.navigated[0]!.searchParams.get('state')!;
    expect(state).to.not.match(/^p\./);
    expect(await storedTransaction(state)).to.not.equal(undefined);
  });
});
