/// <reference types="mocha" />
/**
 * Security review (issue 12) finding 6: responses the element never asked for.
 *
 * - The element asks for the default response mode of the code flow, the query, and never sends
 *   `response_mode=fragment` (nor lets the page ask for another mode: `invalid_config`). A
 *   response in the fragment is therefore not read as a response at all: no token request, no
 *   event, the address left as it is, and the transaction kept (usable by the real, query,
 *   response until it expires).
 * - A popup login's response (`state` starting with `p.`) opened in an ordinary tab, where the
 *   window cannot close itself, is relayed as before, and its `code`, `state` and `iss` leave the
 *   address bar (other parameters and the hash stay).
 */
import { expect, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import { pageWith, setAddress, withResponse } from '../helpers/address.js';
import { describeLog } from '../helpers/events.js';
import { expectOneError, expectSignedIn, expectUsableSignedOut, mount, settle, untilLoginOrError, untilStatus, useHarness } from '../helpers/element.js';
import { installFakeProvider, ISSUER, json, TOKEN_ENDPOINT, tokenBody } from '../helpers/provider.js';
import { seedTransaction, storedTransaction } from '../helpers/transactions.js';

describe('response mode: only the query response the element asked for', () => {
  useHarness();

  describe('a response in the fragment', () => {
    it('should not be read: no token request, no event, address unchanged, transaction kept', async () => {
      const record = await seedTransaction();
      const fragment = new URLSearchParams({ code: 'the-code', state: record.state, iss: ISSUER });
      const address = `${pageWith({ keep: '1' }).href}#${fragment}`;
      setAddress(address);
      const provider = installFakeProvider({ [TOKEN_ENDPOINT]: () => json(tokenBody(record.nonce)) });
      const mounted = await mount();
      await untilStatus(mounted.el, 'signed-out');
      await settle(200);
      expect(mounted.events, describeLog(mounted.events)).to.deep.equal([]);
      expect(provider.to(TOKEN_ENDPOINT), 'token requests').to.deep.equal([]);
      expect(location.href, 'address').to.equal(address);
      expect((await storedTransaction(record.state))?.state, 'transaction kept').to.equal(record.state);
      expectUsableSignedOut(mounted.el);
    });

    it('should leave the transaction usable by the query response that follows', async () => {
      const record = await seedTransaction();
      const page = pageWith();
      setAddress(`${page.href}#${new URLSearchParams({ code: 'injected', state: record.state, iss: ISSUER })}`);
      const provider = installFakeProvider({ [TOKEN_ENDPOINT]: () => json(tokenBody(record.nonce)) });
      const ignored = await mount();
      await untilStatus(ignored.el, 'signed-out');
      ignored.el.remove();

      setAddress(withResponse(page, { code: 'the-code', state: record.state, iss: ISSUER }));
      const mounted = await mount();
      await untilLoginOrError(mounted.events);
      expectSignedIn(mounted);
      const requests = provider.to(TOKEN_ENDPOINT);
      expect(requests.map((r) => r.body.get('code'))).to.deep.equal(['the-code']);
    });

    it('should not be read even with an unknown state: no state_mismatch, no event', async () => {
      const address = `${pageWith().href}#code=c&state=unknown&iss=${encodeURIComponent(ISSUER)}`;
      setAddress(address);
      const provider = installFakeProvider();
      const mounted = await mount();
      await untilStatus(mounted.el, 'signed-out');
      await settle(200);
      expect(mounted.events, describeLog(mounted.events)).to.deep.equal([]);
      expect(provider.to(TOKEN_ENDPOINT)).to.deep.equal([]);
      expect(location.href).to.equal(address);
    });
  });

  describe('the response_mode a login asks for', () => {
    it('should send no response_mode by default (the query, the code flow\'s default)', async () => {
      installFakeProvider();
      const { el } = await mount();
      await untilStatus(el, 'signed-out');
      await el.login();
      expect(el.navigated[0]!.searchParams.has('response_mode')).to.equal(false);
    });

    it('should pass response_mode=query through', async () => {
      installFakeProvider();
      const { el } = await mount();
      await untilStatus(el, 'signed-out');
      await el.login({ authorizationParams: { response_mode: 'query' } });
      expect(el.navigated[0]!.searchParams.get('response_mode')).to.equal('query');
    });

    for (const mode of ['fragment', 'form_post', 'query.jwt', 'web_message']) {
      it(`should refuse response_mode=${mode}: invalid_config, nothing visited`, async () => {
        installFakeProvider();
        const mounted = await mount();
        await untilStatus(mounted.el, 'signed-out');
        mounted.el.authorizationParams = { response_mode: mode };
        await mounted.el.login();
        await settle();
        const { message } = expectOneError(mounted, 'invalid_config');
        expect(message).to.include('response_mode').and.include('query');
        expect(mounted.el.navigated).to.deep.equal([]);
      });
    }
  });

  describe("a popup login's response opened in an ordinary tab", () => {
    it('should relay it and remove code, state and iss from the address, keeping other parameters and the hash', async () => {
      const record = await seedTransaction({ record: { state: 'p.seeded-popup-state' } });
      const provider = installFakeProvider();
      // An ordinary tab: window.close() does nothing there.
      const close = sinon.stub(window, 'close');
      const relayed: string[] = [];
      const channel = new BroadcastChannel(record.state);
      channel.onmessage = ({ data }) => relayed.push(data as string);
      try {
        const page = pageWith({ tab: '2' }, '#section-3');
        setAddress(withResponse(page, { code: 'the-code', state: record.state, iss: ISSUER, session_state: 's' }));
        const { el, events } = await mount();
        await untilStatus(el, 'signed-out');
        await waitUntil(() => relayed.length === 1, 'the response was not relayed');
        const sent = new URLSearchParams(relayed[0]);
        expect([sent.get('code'), sent.get('state'), sent.get('iss')]).to.deep.equal(['the-code', record.state, ISSUER]);
        expect(close.callCount, 'the window tried to close itself').to.equal(1);
        expect(location.href, 'address').to.equal(page.href);
        await settle(100);
        expect(provider.to(TOKEN_ENDPOINT), 'no token request').to.deep.equal([]);
        expect(events, describeLog(events)).to.deep.equal([]);
        expect(await storedTransaction(record.state), 'transaction left for the opener').to.not.equal(undefined);
      } finally {
        channel.close();
      }
    });

    it('should leave the address clean of an error response too', async () => {
      const state = 'p.another-popup-state';
      installFakeProvider();
      sinon.stub(window, 'close');
      const page = pageWith();
      setAddress(withResponse(page, { error: 'access_denied', error_description: 'no', state }));
      const { el } = await mount();
      await untilStatus(el, 'signed-out');
      await waitUntil(() => location.href === page.href, `the address kept the response: ${location.href}`);
    });
  });
});
