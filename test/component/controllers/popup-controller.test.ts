/// <reference types="mocha" />
/**
 * PopupController on its own, in a tiny ReactiveElement, with a stubbed `window.open` that
 * hands out fake popup windows (a `closed` flag, a `location.assign` spy, a `close` spy): a
 * blocked popup, the relayed response of the right state only, `closed` reported once, waiting
 * stopped by stop(), a new open(), expiry and the host leaving the document; and
 * relayPopupResponse, the popup's side, with `window.close` stubbed.
 */
import { expect, fixture, html } from '@open-wc/testing';
import { ReactiveElement } from 'lit';
import sinon from 'sinon';
import {
  POPUP_STATE_PREFIX,
  PopupController,
  relayPopupResponse,
  type PopupCallbacks,
} from '../../../src/controllers/popup-controller.js';
import { TRANSACTION_TTL_MS } from '../../../src/protocol/protocol.js';
import { AUTHORIZATION_ENDPOINT, ISSUER } from '../../helpers/provider.js';

class PopupTestHost extends ReactiveElement {
  readonly popup = new PopupController(this);
}
const TAG = 'popup-test-host';
if (!customElements.get(TAG)) customElements.define(TAG, PopupTestHost);

interface FakePopup {
  closed: boolean;
  location: { assign: sinon.SinonSpy<[string | URL], void> };
  close: sinon.SinonSpy<[], void>;
}

/** Stubs `window.open`: each call hands out a new fake popup, or `null` when `blocked`. */
function stubOpen(blocked = false): { open: sinon.SinonStub; popups: FakePopup[] } {
  const popups: FakePopup[] = [];
  const open = sinon.stub(window, 'open').callsFake(() => {
    if (blocked) return null;
    const popup: FakePopup = {
      closed: false,
      location: { assign: sinon.spy() as sinon.SinonSpy<[string | URL], void> },
      close: sinon.spy(() => {
        popup.closed = true;
      }),
    };
    popups.push(popup);
    return popup as unknown as Window;
  });
  return { open, popups };
}

/** Callbacks that record what they are told. */
function recorder(): PopupCallbacks & { responses: URLSearchParams[]; closedCalls: number } {
  const log = {
    responses: [] as URLSearchParams[],
    closedCalls: 0,
    response(params: URLSearchParams) {
      log.responses.push(params);
    },
    closed() {
      log.closedCalls += 1;
    },
  };
  return log;
}

/** Posts on the channel `channelName` what the popup page would relay. */
function post(channelName: string, response: Record<string, string>): void {
  const channel = new BroadcastChannel(channelName);
  channel.postMessage(`${new URLSearchParams(response)}`);
  channel.close();
}

// Captured before any test fakes the timers.
const realSetTimeout = window.setTimeout.bind(window);
/** Real time, for BroadcastChannel deliveries (tasks), even while timers are faked. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => realSetTimeout(resolve, ms));
}
async function until(condition: () => boolean, message: string, timeout = 1000): Promise<void> {
  for (const start = Date.now(); !condition(); await sleep(5)) {
    if (Date.now() - start > timeout) throw new Error(message);
  }
}

const URL_TO = new URL(`${AUTHORIZATION_ENDPOINT}?client_id=c&state=p.one`);

describe('PopupController', () => {
  let el: PopupTestHost;
  let clock: sinon.SinonFakeTimers | undefined;

  beforeEach(async () => {
    el = await fixture<PopupTestHost>(html`<popup-test-host></popup-test-host>`);
  });

  afterEach(() => {
    el.popup.stop();
    clock?.restore();
    clock = undefined;
    sinon.restore();
  });

  it('should return null from open() when the popup is blocked, and wait for nothing then', async () => {
    const { open } = stubOpen(true);
    expect(el.popup.open()).to.equal(null);
    expect(open.callCount).to.equal(1);
    expect(open.firstCall.args[0]).to.equal('');
    expect(open.firstCall.args[1]).to.equal('pkce-login');
    expect(String(open.firstCall.args[2])).to.match(/^popup\b/);

    const callbacks = recorder();
    el.popup.wait('p.blocked', URL_TO, callbacks);
    post('p.blocked', { code: 'c', state: 'p.blocked' });
    await sleep(50);
    expect(callbacks.responses).to.have.length(0);
    expect(() => el.popup.stop()).to.not.throw();
  });

  it('should return the popup from open(), send it to the URL, and deliver only the response of its state', async () => {
    const { popups } = stubOpen();
    const popup = el.popup.open();
    expect(popup).to.equal(popups[0]);
    const callbacks = recorder();
    el.popup.wait('p.one', URL_TO, callbacks);
    expect(popups[0]!.location.assign.callCount).to.equal(1);
    expect(String(popups[0]!.location.assign.firstCall.args[0])).to.equal(URL_TO.href);

    // Another login's state, on this login's channel and on its own.
    post('p.one', { code: 'forged', state: 'p.other', iss: ISSUER });
    post('p.other', { code: 'forged', state: 'p.other', iss: ISSUER });
    // No state at all.
    post('p.one', { code: 'forged', iss: ISSUER });
    await sleep(100);
    expect(callbacks.responses, 'responses of another state').to.have.length(0);

    post('p.one', { code: 'the-code', state: 'p.one', iss: ISSUER });
    await until(() => callbacks.responses.length > 0, 'the response never arrived');
    expect(callbacks.responses[0]!.get('code')).to.equal('the-code');
    expect(callbacks.responses[0]!.get('iss')).to.equal(ISSUER);

    // Once: nobody listens any more; the popup closes itself, the opener leaves it alone.
    post('p.one', { code: 'again', state: 'p.one', iss: ISSUER });
    await sleep(100);
    expect(callbacks.responses).to.have.length(1);
    expect(popups[0]!.close.callCount).to.equal(0);
    expect(callbacks.closedCalls).to.equal(0);
  });

  it('should report closed once, on the second poll that finds the popup closed, and go on waiting', async () => {
    clock = sinon.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { popups } = stubOpen();
    el.popup.open();
    const callbacks = recorder();
    el.popup.wait('p.closing', URL_TO, callbacks);

    clock.tick(5_000);
    expect(callbacks.closedCalls, 'while open').to.equal(0);

    popups[0]!.closed = true;
    clock.tick(400);
    expect(callbacks.closedCalls, 'after one poll').to.equal(0);
    clock.tick(400);
    expect(callbacks.closedCalls, 'after two polls').to.equal(1);
    clock.tick(10_000);
    expect(callbacks.closedCalls, 'later').to.equal(1);

    // A popup severed by Cross-Origin-Opener-Policy looks closed: its response still counts.
    post('p.closing', { code: 'late', state: 'p.closing' });
    await until(() => callbacks.responses.length > 0, 'the response after closed was ignored');
    expect(callbacks.responses[0]!.get('code')).to.equal('late');
  });

  it('should close the popup on stop() and ignore a later response or closing', async () => {
    clock = sinon.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { popups } = stubOpen();
    el.popup.open();
    const callbacks = recorder();
    el.popup.wait('p.stopped', URL_TO, callbacks);

    el.popup.stop();
    expect(popups[0]!.close.callCount).to.equal(1);
    post('p.stopped', { code: 'c', state: 'p.stopped' });
    clock.tick(2_000);
    await sleep(100);
    expect(callbacks.responses).to.have.length(0);
    expect(callbacks.closedCalls).to.equal(0);
    // Nothing more to stop.
    el.popup.stop();
    expect(popups[0]!.close.callCount).to.equal(1);
  });

  it('should stop waiting, and close the popup, when the host leaves the document', async () => {
    const { popups } = stubOpen();
    el.popup.open();
    const callbacks = recorder();
    el.popup.wait('p.gone', URL_TO, callbacks);

    el.remove();
    expect(popups[0]!.close.callCount).to.equal(1);
    post('p.gone', { code: 'c', state: 'p.gone' });
    await sleep(100);
    expect(callbacks.responses).to.have.length(0);
  });

  it('should stop waiting for the previous login on a new open(), leaving that window to be reused', async () => {
    const { popups } = stubOpen();
    el.popup.open();
    const first = recorder();
    el.popup.wait('p.first', URL_TO, first);

    el.popup.open();
    const second = recorder();
    el.popup.wait('p.second', URL_TO, second);
    expect(popups[0]!.close.callCount, 'the named window is reused, not closed').to.equal(0);

    post('p.first', { code: 'c1', state: 'p.first' });
    post('p.second', { code: 'c2', state: 'p.second' });
    await until(() => second.responses.length > 0, 'the second login never got its response');
    await sleep(50);
    expect(first.responses).to.have.length(0);
    expect(second.responses[0]!.get('code')).to.equal('c2');
  });

  it('should stop waiting and close the popup once the transaction expires', async () => {
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const { popups } = stubOpen();
    el.popup.open();
    const callbacks = recorder();
    el.popup.wait('p.expiring', URL_TO, callbacks);

    clock.tick(TRANSACTION_TTL_MS - 1);
    expect(popups[0]!.close.callCount, 'before expiry').to.equal(0);
    clock.tick(1);
    expect(popups[0]!.close.callCount, 'at expiry').to.equal(1);
    post('p.expiring', { code: 'c', state: 'p.expiring' });
    await sleep(100);
    expect(callbacks.responses).to.have.length(0);
  });
});

describe('relayPopupResponse', () => {
  afterEach(() => sinon.restore());

  /** Listens on `name`, recording the messages. */
  function listen(name: string): { messages: string[]; close(): void } {
    const channel = new BroadcastChannel(name);
    const messages: string[] = [];
    channel.onmessage = ({ data }: MessageEvent<string>) => messages.push(data);
    return { messages, close: () => channel.close() };
  }

  it(`should ignore a response whose state does not start with "${POPUP_STATE_PREFIX}"`, async () => {
    const close = sinon.stub(window, 'close');
    const channel = listen('x.redirect-state');
    try {
      expect(relayPopupResponse(new URLSearchParams({ code: 'c', state: 'x.redirect-state' }))).to.equal(false);
      expect(relayPopupResponse(new URLSearchParams({ code: 'c' })), 'no state').to.equal(false);
      expect(relayPopupResponse(new URLSearchParams({ code: 'c', state: 'P.upper' })), 'case matters').to.equal(false);
      await sleep(50);
      expect(channel.messages).to.deep.equal([]);
      expect(close.callCount).to.equal(0);
    } finally {
      channel.close();
    }
  });

  it('should post a popup response on the channel of its state and close the window', async () => {
    const close = sinon.stub(window, 'close');
    const channel = listen('p.relay');
    try {
      const params = new URLSearchParams({ code: 'the-code', state: 'p.relay', iss: ISSUER });
      expect(relayPopupResponse(params)).to.equal(true);
      expect(close.callCount).to.equal(1);
      await until(() => channel.messages.length > 0, 'nothing posted');
      expect(channel.messages).to.deep.equal([`${params}`]);
    } finally {
      channel.close();
    }
  });

  it("should hand the relayed response to the opener's wait()", async () => {
    sinon.stub(window, 'close');
    stubOpen();
    const el = await fixture<PopupTestHost>(html`<popup-test-host></popup-test-host>`);
    el.popup.open();
    const callbacks = recorder();
    el.popup.wait('p.end-to-end', URL_TO, callbacks);
    relayPopupResponse(new URLSearchParams({ code: 'relayed', state: 'p.end-to-end' }));
    await until(() => callbacks.responses.length > 0, 'the opener never got the response');
    expect(callbacks.responses[0]!.get('code')).to.equal('relayed');
    el.popup.stop();
  });
});
