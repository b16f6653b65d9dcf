/// <reference types="mocha" />
/**
 * Taking the response out of the address can fail, and must not fail the login (issue 17).
 *
 * WebKit throws a SecurityError from `history.replaceState` once a page has called it 100 times
 * in 10 seconds (a busy single-page app may). The element consumes the transaction before it
 * cleans the address, so a throwing clean-up would fail the login with its transaction already
 * spent. Here `history.replaceState` throws as WebKit's does, for every call the element makes.
 */
import { expect, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import { pageWith, setAddress, withResponse } from '../helpers/address.js';
import { describeLog } from '../helpers/events.js';
import { expectSignedIn, expectUsableSignedOut, mount, untilStatus, useHarness } from '../helpers/element.js';
import { installFakeProvider, ISSUER, json, TOKEN_ENDPOINT, tokenBody } from '../helpers/provider.js';
import { seedTransaction, storedTransaction } from '../helpers/transactions.js';

/** Makes `history.replaceState` throw as WebKit's does past its allowance. */
function exhaustReplaceState(): sinon.SinonStub {
  return sinon.stub(history, 'replaceState').throws(new DOMException('Attempt to use history.replaceState() more than 100 times per 10 seconds', 'SecurityError'));
}

describe('<pkce-login> address clean-up that throws', () => {
  useHarness();

  it('should complete the login from the callback when history.replaceState throws', async () => {
    const record = await seedTransaction();
    const page = withResponse(pageWith(), { code: 'c', state: record.state, iss: ISSUER });
    setAddress(page);
    const provider = installFakeProvider({ [TOKEN_ENDPOINT]: () => json(tokenBody(record.nonce)) });
    const replaceState = exhaustReplaceState();

    const mounted = await mount();
    await waitUntil(() => mounted.events.some((e) => e.type === 'login' || e.type === 'error'), 'neither login nor error', { timeout: 3000 });
    expectSignedIn(mounted);
    expect(replaceState.callCount, 'the element tried to clean the address').to.be.at.least(1);
    expect(provider.to(TOKEN_ENDPOINT)).to.have.length(1);
    expect(await storedTransaction(record.state), 'the transaction was used').to.equal(undefined);
    // The response stays in the address: nothing else could be done.
    expect(location.href).to.equal(page.href);
  });

  it('should complete the login with a returnTo when history.replaceState throws', async () => {
    const record = await seedTransaction({ returnTo: '/after/login?x=1' });
    setAddress(withResponse(pageWith(), { code: 'c', state: record.state, iss: ISSUER }));
    installFakeProvider({ [TOKEN_ENDPOINT]: () => json(tokenBody(record.nonce)) });
    const replaceState = exhaustReplaceState();

    const mounted = await mount();
    await waitUntil(() => mounted.events.some((e) => e.type === 'login' || e.type === 'error'), 'neither login nor error', { timeout: 3000 });
    expectSignedIn(mounted);
    expect(replaceState.callCount, 'the clean-up and the returnTo were both tried').to.equal(2);
    const login = mounted.events.find((e) => e.type === 'login')!;
    expect((login.detail as { returnTo?: string }).returnTo).to.equal(new URL('/after/login?x=1', location.href).href);
  });

  it('should still relay a popup response from the address when history.replaceState throws', async () => {
    const record = await seedTransaction({ record: { state: 'p.popup-state' } });
    installFakeProvider();
    const close = sinon.stub(window, 'close');
    const relayed: string[] = [];
    const channel = new BroadcastChannel(record.state);
    channel.onmessage = ({ data }) => relayed.push(data as string);
    try {
      setAddress(withResponse(pageWith(), { code: 'the-code', state: record.state, iss: ISSUER }));
      exhaustReplaceState();
      const { el, events } = await mount();
      await untilStatus(el, 'signed-out');
      await waitUntil(() => relayed.length === 1, 'the response was not relayed to the opener');
      expect(new URLSearchParams(relayed[0]).get('code')).to.equal('the-code');
      expect(close.callCount, 'the popup closes itself').to.equal(1);
      expect(events, describeLog(events)).to.deep.equal([]);
      expectUsableSignedOut(el);
    } finally {
      channel.close();
    }
  });
});
