/// <reference types="mocha" />
/**
 * Issue 14 item 2: an `error` event is cancelable, and one that no listener handled
 * (`preventDefault()`) is one `console.warn` with the code, the message and a hint, like an
 * unhandled rejection; a handled one prints nothing; and the line never holds a token, even when
 * the provider's error echoes the tokens the element holds.
 */
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import { unheardErrorWarning } from '../../src/events.js';
import { pageWith, setAddress, withResponse } from '../helpers/address.js';
import { ofType, untilEvent } from '../helpers/events.js';
import { create, mount, settle, untilStatus, useHarness } from '../helpers/element.js';
import { installFakeProvider, ISSUER, json, REFRESH_TOKEN, TOKEN_ENDPOINT, tokenBody } from '../helpers/provider.js';
import { seedTransaction } from '../helpers/transactions.js';

const UNHEARD = '<pkce-login> error not handled: ';

/** The `console.warn` lines printed so far. */
function lines(warn: sinon.SinonStub): string[] {
  return warn.getCalls().map((call) => call.args.map(String).join(' '));
}

describe('an error event nobody handled', () => {
  useHarness();

  it('should be one console.warn with the code, the message and a hint, for a cancelable event left alone', async () => {
    const warn = sinon.stub(console, 'warn');
    const { events } = await mount({ issuer: ISSUER });
    const error = await untilEvent(events, 'error');
    await settle();
    expect(error.event.cancelable, 'cancelable').to.equal(true);
    expect(error.event.defaultPrevented).to.equal(false);
    expect(ofType(events, 'error')).to.have.length(1);
    expect(lines(warn)).to.have.length(1);
    const line = lines(warn)[0]!;
    expect(line.startsWith(`${UNHEARD}invalid_config: ${error.detail.message}`), line).to.equal(true);
    expect(line).to.include('Fix the attribute the message names.');
    expect(line).to.include('call event.preventDefault()');
  });

  it('should print nothing when a listener calls preventDefault()', async () => {
    const warn = sinon.stub(console, 'warn');
    const { el, events } = create({ issuer: ISSUER });
    el.addEventListener('error', (event) => event.preventDefault());
    await fixture(html`${el}`);
    const error = await untilEvent(events, 'error');
    await settle();
    expect(error.event.defaultPrevented).to.equal(true);
    expect(lines(warn)).to.deep.equal([]);
  });

  it('should warn once per unhandled error, and not for the handled ones among them', async () => {
    const warn = sinon.stub(console, 'warn');
    installFakeProvider();
    const { el, events } = await mount();
    await untilStatus(el, 'signed-out');
    let handle = true;
    el.addEventListener('error', (event) => {
      if (handle) event.preventDefault();
    });
    await el.login({ returnTo: 'https://elsewhere.example/' });
    handle = false;
    await el.login({ returnTo: 'https://elsewhere.example/' });
    await settle();
    expect(ofType(events, 'error').map((e) => e.detail.code)).to.deep.equal(['invalid_config', 'invalid_config']);
    expect(lines(warn)).to.have.length(1);
    expect(lines(warn)[0]).to.include(`${UNHEARD}invalid_config: "returnTo" must be on this origin`);
  });

  it("should leave a provider's error_description out, and say where it is", async () => {
    const warn = sinon.stub(console, 'warn');
    const record = await seedTransaction();
    const description = 'Refused by policy 42: eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl was the session';
    setAddress(withResponse(pageWith(), { error: 'access_denied', error_description: description, state: record.state, iss: ISSUER }));
    installFakeProvider();
    const { events } = await mount();
    const error = await untilEvent(events, 'error');
    await settle();
    expect(error.detail.description).to.equal(description);
    expect(lines(warn)).to.have.length(1);
    const [line] = lines(warn);
    expect(line).to.include(`${UNHEARD}access_denied: the provider answered access_denied.`);
    expect(line).to.include('event.detail.description (not printed here)');
    expect(line).not.to.include('Refused by policy');
    expect(line).not.to.include('eyJ');
  });

  // The access token: only lowercase letters, so that only knowing the element's tokens hides it.
  const ACCESS = 'lowercaseaccesstokenvalueonly';
  for (const [name, code] of [
    ['the access token the element holds', ACCESS],
    ['the refresh token', REFRESH_TOKEN],
  ] as const) {
    it(`should hold no token when a failed renewal's provider error has ${name} as its code and every token in its description`, async () => {
      const warn = sinon.stub(console, 'warn');
      const record = await seedTransaction();
      setAddress(withResponse(pageWith(), { code: 'c', state: record.state, iss: ISSUER }));
      let tokenRequests = 0;
      let idToken = '';
      installFakeProvider({
        // The code grant answers tokens living 1 s; the refresh that follows fails with an error
        // echoing them.
        [TOKEN_ENDPOINT]: () => {
          if (++tokenRequests === 1) {
            const body = tokenBody(record.nonce, { body: { expires_in: 1, access_token: ACCESS } });
            idToken = String(body.id_token);
            return json(body);
          }
          return json({ error: code, error_description: `${ACCESS} ${REFRESH_TOKEN} ${idToken}` }, 400);
        },
      });
      const { el, events } = await mount();
      await untilStatus(el, 'signed-in');
      expect(ofType(events, 'token')[0]!.detail.accessToken).to.equal(ACCESS);
      await waitUntil(() => ofType(events, 'error').length > 0, 'no error from the renewal', { timeout: 4000 });
      await settle();
      expect(tokenRequests, 'a refresh was tried').to.equal(2);
      const error = ofType(events, 'error')[0]!;
      expect(error.detail.code).to.equal(code);
      const printed = lines(warn).filter((line) => line.startsWith(UNHEARD));
      expect(printed, lines(warn).join('\n')).to.have.length(1);
      const [line] = printed;
      expect(line).to.include(`${UNHEARD}[hidden]: the provider answered [hidden].`);
      for (const token of [ACCESS, REFRESH_TOKEN, idToken, ...idToken.split('.').filter((part) => part.length > 8)]) {
        expect(line).not.to.include(token);
      }
    });
  }
});

describe('unheardErrorWarning', () => {
  it('should hide every secret given, JWT-shaped strings and a code that is not a plain word', () => {
    const line = unheardErrorWarning(
      { code: 'Tok3n.Value', message: 'the provider answered Tok3n.Value with secretvalue and eyJa.eyJb.c', description: 'secretvalue' },
      ['secretvalue', undefined, ''],
    );
    expect(line).to.equal(
      "<pkce-login> error not handled: [hidden]: the provider answered [hidden] with [hidden] and [hidden]. The provider's own words are in event.detail.description (not printed here)." +
        ' To handle it, listen for "error" on the element and call event.preventDefault(): that also silences this warning.',
    );
  });

  it('should print the element’s own codes and the message as they are', () => {
    expect(unheardErrorWarning({ code: 'popup_closed', message: 'popup closed' }, [])).to.equal(
      '<pkce-login> error not handled: popup_closed: popup closed. To handle it, listen for "error" on the element and call event.preventDefault(): that also silences this warning.',
    );
  });
});
