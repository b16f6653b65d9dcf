/// <reference types="mocha" />
// What people see and hear of <pkce-login>: accessibility in every status and both colour
// schemes, keyboard use, the live region, languages, slots, parts and custom properties.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import sinon from 'sinon';
import type { PkceLogin } from '../../src/pkce-login.component.js';
import { SessionKeeper } from '../../src/session/session-keeper.js';
import { pageWith, setAddress, withResponse } from '../helpers/address.js';
import { COLOR_SCHEMES, preferredColorScheme, useColorScheme } from '../helpers/color-scheme.js';
import { create, DEFAULT_ATTRIBUTES, mount, part, untilNavigated, untilStatus, useHarness, type Mounted } from '../helpers/element.js';
import { ofType, untilEvent } from '../helpers/events.js';
import {
  AUTHORIZATION_ENDPOINT,
  AVATAR,
  deferred,
  installFakeProvider,
  ISSUER,
  json,
  networkFailure,
  TOKEN_ENDPOINT,
  tokenBody,
  USERINFO_ENDPOINT,
  userinfoBody,
} from '../helpers/provider.js';
import { seedTransaction } from '../helpers/transactions.js';

/** The Log in button, or the Log out button when signed in. */
function button(el: PkceLogin): HTMLButtonElement {
  return el.shadowRoot!.querySelector('button')!;
}

/** The text a button shows: its slot's fallback (the translated label) when nothing is slotted. */
function label(el: PkceLogin, name: 'login' | 'logout'): string {
  return part(el, name)!.textContent;
}

function liveRegion(el: PkceLogin): HTMLElement {
  return el.shadowRoot!.querySelector('[role="status"]')!;
}

/**
 * Completes a callback (the fake provider answers the token and userinfo endpoints) with the
 * element created by `make` (default: {@link mount}) and waits until it is signed in.
 */
async function signIn(
  options: { userinfo?: Record<string, unknown>; make?: () => Promise<Mounted>; hold?: Promise<void> } = {},
): Promise<Mounted> {
  const record = await seedTransaction();
  setAddress(withResponse(pageWith(), { code: 'c', state: record.state, iss: ISSUER }));
  installFakeProvider({
    [TOKEN_ENDPOINT]: async () => {
      await options.hold;
      return json(tokenBody(record.nonce));
    },
    [USERINFO_ENDPOINT]: () => json(userinfoBody(options.userinfo)),
  });
  const mounted = await (options.make ?? mount)();
  if (!options.hold) await untilStatus(mounted.el, 'signed-in');
  return mounted;
}

/** Mounts the element inside `<div lang="…">`. */
async function mountIn(lang: string, attributes: Record<string, string> = DEFAULT_ATTRIBUTES): Promise<Mounted> {
  const mounted = create(attributes);
  await fixture(html`<div lang=${lang}>${mounted.el}</div>`);
  return mounted;
}

/** WCAG 2.1 relative luminance of a computed `rgb()` / `rgba()` colour. */
function luminance(color: string): number {
  const [r, g, b] = color.match(/[\d.]+/g)!.slice(0, 3).map((c) => {
    const s = Number(c) / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** WCAG 2.1 contrast ratio of two computed colours. */
function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

describe('<pkce-login> UI', () => {
  useHarness();

  // Both schemes where the browser emulates them; elsewhere the one it was launched in (the
  // suite runs this file in a browser of each scheme: helpers/color-scheme.ts).
  for (const scheme of COLOR_SCHEMES) {
    describe(`accessibility, ${scheme} scheme`, () => {
      before(() => useColorScheme(scheme));
      after(() => useColorScheme('light'));

      it('should be in the scheme under test', async () => {
        installFakeProvider();
        const { el } = await mount();
        await untilStatus(el, 'signed-out');
        expect(matchMedia('(prefers-color-scheme: dark)').matches).to.equal(scheme === 'dark');
        expect(getComputedStyle(button(el)).backgroundColor).to.equal(scheme === 'dark' ? 'rgb(138, 180, 248)' : 'rgb(31, 95, 209)');
      });

      it('should give the Log in label a contrast of at least 4.5:1', async () => {
        installFakeProvider();
        const { el } = await mount();
        await untilStatus(el, 'signed-out');
        const login = getComputedStyle(button(el));
        expect(contrast(login.color, login.backgroundColor)).to.be.at.least(4.5);
      });

      it('should give the initials a contrast of at least 4.5:1', async () => {
        const { el } = await signIn({ userinfo: { picture: undefined } });
        const initials = getComputedStyle(part(el, 'initials')!);
        expect(contrast(initials.color, initials.backgroundColor)).to.be.at.least(4.5);
      });

      it('should be accessible while loading, with a busy button', async () => {
        const restored = deferred<undefined>();
        sinon.stub(SessionKeeper.prototype, 'restore').returns(restored.promise);
        installFakeProvider();
        const { el } = await mount();
        expect(el.status).to.equal('loading');
        expect(button(el).getAttribute('aria-busy')).to.equal('true');
        await expect(el).to.be.accessible();
        restored.resolve(undefined);
        await untilStatus(el, 'signed-out');
      });

      it('should be accessible signed out', async () => {
        installFakeProvider();
        const { el } = await mount();
        await untilStatus(el, 'signed-out');
        expect(button(el).getAttribute('aria-busy')).to.equal('false');
        await expect(el).to.be.accessible();
      });

      it('should be accessible while signing in, with a busy button', async () => {
        const hold = deferred<void>();
        const { el } = await signIn({ hold: hold.promise });
        await untilStatus(el, 'signing-in');
        expect(button(el).getAttribute('aria-busy')).to.equal('true');
        await expect(el).to.be.accessible();
        hold.resolve();
        await untilStatus(el, 'signed-in');
      });

      it('should be accessible signed in with a picture', async () => {
        const { el } = await signIn({ userinfo: { picture: AVATAR } });
        expect(part(el, 'avatar')).to.be.instanceOf(HTMLImageElement);
        await expect(el).to.be.accessible();
      });

      it('should be accessible signed in with initials', async () => {
        const { el } = await signIn({ userinfo: { picture: undefined } });
        expect(part(el, 'initials')!.textContent).to.equal('AL');
        await expect(el).to.be.accessible();
      });

      it('should be accessible with an invalid configuration', async () => {
        const { el, events } = await mount({ issuer: ISSUER });
        await untilEvent(events, 'error');
        await el.updateComplete;
        expect(button(el).disabled).to.equal(true);
        await expect(el).to.be.accessible();
      });
    });
  }

  describe('keyboard', () => {
    it('should start a login on Tab then Enter, with a visible focus ring', async () => {
      installFakeProvider();
      const { el } = await mount();
      await untilStatus(el, 'signed-out');
      (document.activeElement as HTMLElement | null)?.blur();

      await sendKeys({ press: 'Tab' });
      expect(el.shadowRoot!.activeElement).to.equal(part(el, 'login'));
      const focus = getComputedStyle(part(el, 'login')!);
      expect(part(el, 'login')!.matches(':focus-visible')).to.equal(true);
      expect(focus.outlineStyle).to.equal('solid');
      expect(parseFloat(focus.outlineWidth)).to.be.at.least(2);

      await sendKeys({ press: 'Enter' });
      await untilNavigated(el);
      expect(el.navigated[0]!.href.startsWith(`${AUTHORIZATION_ENDPOINT}?`)).to.equal(true);
      expect(el.navigated[0]!.searchParams.get('code_challenge_method')).to.equal('S256');
    });

    it('should log out on Tab then Enter', async () => {
      const mounted = await signIn();
      (document.activeElement as HTMLElement | null)?.blur();
      await sendKeys({ press: 'Tab' });
      expect(mounted.el.shadowRoot!.activeElement).to.equal(part(mounted.el, 'logout'));
      await sendKeys({ press: 'Enter' });
      await untilEvent(mounted.events, 'logout');
      await untilStatus(mounted.el, 'signed-out');
    });
  });

  describe('live region', () => {
    it('should be a polite, visually hidden status inside the shadow root', async () => {
      installFakeProvider();
      const { el } = await mount();
      await untilStatus(el, 'signed-out');
      const region = liveRegion(el);
      expect(region.getRootNode()).to.equal(el.shadowRoot);
      const box = region.getBoundingClientRect();
      expect(box.width * box.height).to.be.at.most(1);
      expect(getComputedStyle(region).clipPath).to.equal('inset(50%)');
    });

    it('should announce the sign-in with the name, then the sign-out', async () => {
      const { el } = await signIn();
      expect(liveRegion(el).textContent).to.equal('Signed in as Ada Lovelace');
      await el.logout({ local: true });
      expect(liveRegion(el).textContent).to.equal('Signed out');
    });

    it('should announce a failed sign-in', async () => {
      const record = await seedTransaction();
      setAddress(withResponse(pageWith(), { error: 'access_denied', state: record.state, iss: ISSUER }));
      installFakeProvider();
      const { el, events } = await mount();
      await untilEvent(events, 'error');
      expect(ofType(events, 'error')[0]!.detail.code).to.equal('access_denied');
      expect(liveRegion(el).textContent).to.equal('Sign-in failed');
    });

    it('should not announce a failure nobody asked for: a configuration error at page load', async () => {
      const { el, events } = await mount({ issuer: ISSUER });
      await untilEvent(events, 'error');
      expect(ofType(events, 'error')[0]!.detail.code).to.equal('invalid_config');
      expect(liveRegion(el).textContent).to.equal('');
    });

    it('should not announce a background renewal that failed: the user is still signed in', async () => {
      const record = await seedTransaction();
      setAddress(withResponse(pageWith(), { code: 'c', state: record.state, iss: ISSUER }));
      let tokenRequests = 0;
      installFakeProvider({
        // The code grant answers a token living 1 s; the refresh that follows fails offline.
        [TOKEN_ENDPOINT]: () =>
          ++tokenRequests === 1 ? json(tokenBody(record.nonce, { body: { expires_in: 1 } })) : Promise.reject(networkFailure()),
        [USERINFO_ENDPOINT]: () => json(userinfoBody()),
      });
      const { el, events } = await mount();
      await untilStatus(el, 'signed-in');
      expect(liveRegion(el).textContent).to.equal('Signed in as Ada Lovelace');
      await waitUntil(() => ofType(events, 'error').length > 0, 'no error from the renewal', { timeout: 4000 });
      expect(tokenRequests, 'a refresh was tried').to.equal(2);
      expect(ofType(events, 'error')[0]!.detail.code).to.equal('network_error');
      expect(liveRegion(el).textContent).to.equal('Signed in as Ada Lovelace');
    });

    it('should not announce a session found at page load, only a completed login', async () => {
      const first = await signIn();
      expect(liveRegion(first.el).textContent).to.equal('Signed in as Ada Lovelace');
      // Another element of the page, for the same client, takes the session while it starts.
      const second = await mount();
      await untilStatus(second.el, 'signed-in');
      expect(ofType(second.events, 'login')).to.have.length(1);
      expect(liveRegion(second.el).textContent).to.equal('');
    });

    it('should announce in the UI language, with the messages overrides', async () => {
      const { el } = await signIn({ make: () => mountIn('fr') });
      expect(liveRegion(el).textContent).to.equal('Connecté en tant que Ada Lovelace');
      el.messages = { signedOut: 'Au revoir' };
      await el.logout({ local: true });
      expect(liveRegion(el).textContent).to.equal('Au revoir');
    });
  });

  describe('languages', () => {
    it('should show French labels on a French page and send ui_locales=fr', async () => {
      const lang = document.documentElement.lang;
      document.documentElement.lang = 'fr';
      try {
        installFakeProvider();
        const { el } = await mount();
        await untilStatus(el, 'signed-out');
        expect(label(el, 'login')).to.equal('Se connecter');
        button(el).click();
        await untilNavigated(el);
        expect(el.navigated[0]!.searchParams.get('ui_locales')).to.equal('fr');
      } finally {
        document.documentElement.lang = lang;
      }
    });

    it("should take the nearest ancestor's lang, for the labels and ui_locales", async () => {
      installFakeProvider();
      const { el } = await mountIn('fr-CA');
      await untilStatus(el, 'signed-out');
      expect(label(el, 'login')).to.equal('Se connecter');
      await el.login();
      expect(el.navigated[0]!.searchParams.get('ui_locales')).to.equal('fr-CA');
    });

    it('should let an explicit ui_locales in authorizationParams win over the language', async () => {
      installFakeProvider();
      const { el } = await mountIn('fr');
      await untilStatus(el, 'signed-out');
      el.authorizationParams = { ui_locales: 'de-CH' };
      await el.login();
      expect(el.navigated[0]!.searchParams.get('ui_locales')).to.equal('de-CH');
    });

    const labels: [string, string, string][] = [
      ['en-GB', 'Log in', 'Log out'],
      ['fr', 'Se connecter', 'Se déconnecter'],
      ['de-AT', 'Anmelden', 'Abmelden'],
      ['es-419', 'Iniciar sesión', 'Cerrar sesión'],
      ['pt-BR', 'Entrar', 'Sair'],
      ['ja', 'ログイン', 'ログアウト'],
      ['zh-TW', '登录', '退出登录'],
      ['xx', 'Log in', 'Log out'],
    ];
    for (const [lang, login, logout] of labels) {
      it(`should label the buttons in ${lang} "${login}" and "${logout}"`, async () => {
        const { el } = await signIn({ make: () => mountIn(lang) });
        expect(label(el, 'logout')).to.equal(logout);
        await el.logout({ local: true });
        await el.updateComplete;
        expect(label(el, 'login')).to.equal(login);
      });
    }

    it('should re-render when lang changes on the element, and when it is removed', async () => {
      installFakeProvider();
      const { el } = await mountIn('fr');
      await untilStatus(el, 'signed-out');
      el.lang = 'de';
      await el.updateComplete;
      expect(label(el, 'login')).to.equal('Anmelden');
      el.setAttribute('lang', 'ja');
      await el.updateComplete;
      expect(label(el, 'login')).to.equal('ログイン');
      el.removeAttribute('lang');
      await el.updateComplete;
      expect(label(el, 'login')).to.equal('Se connecter');
    });

    it('should take any string from messages, the others staying translated, and re-render', async () => {
      const { el } = await signIn({ make: () => mountIn('de') });
      el.messages = { logout: 'Tschüss' };
      await el.updateComplete;
      expect(label(el, 'logout')).to.equal('Tschüss');
      await el.logout({ local: true });
      await el.updateComplete;
      expect(label(el, 'login')).to.equal('Anmelden');
    });
  });

  describe('slots and parts', () => {
    it('should show slotted labels in the buttons', async () => {
      installFakeProvider();
      const mounted = create();
      mounted.el.append(Object.assign(document.createElement('span'), { slot: 'login', textContent: 'Continue with ACME' }));
      await fixture(html`${mounted.el}`);
      await untilStatus(mounted.el, 'signed-out');
      const slot = part(mounted.el, 'login')!.querySelector('slot')!;
      expect(slot.assignedElements().map((e) => e.textContent)).to.deep.equal(['Continue with ACME']);
      await expect(mounted.el).to.be.accessible();
    });

    it('should show the user slot in place of the avatar and name when signed in, and only then', async () => {
      const card = Object.assign(document.createElement('span'), { slot: 'user', textContent: 'Ada (admin)' });
      const make = async () => {
        const mounted = create();
        mounted.el.append(card);
        await fixture(html`${mounted.el}`);
        return mounted;
      };
      const { el } = await signIn({ make });
      expect(card.assignedSlot?.getAttribute('name')).to.equal('user');
      expect(card.getClientRects().length).to.be.greaterThan(0);
      await el.logout({ local: true });
      await el.updateComplete;
      expect(card.assignedSlot).to.equal(null);
      expect(card.getClientRects().length).to.equal(0);
    });

    it('should name its parts as documented, in every status', async () => {
      const { el } = await signIn({ userinfo: { picture: AVATAR } });
      const parts = [...el.shadowRoot!.querySelectorAll('[part]')].map((e) => e.getAttribute('part'));
      expect(parts).to.deep.equal(['base', 'avatar', 'user', 'button logout']);
      await el.logout({ local: true });
      await el.updateComplete;
      expect([...el.shadowRoot!.querySelectorAll('[part]')].map((e) => e.getAttribute('part'))).to.deep.equal(['button login']);
    });

    const initials: [string, string][] = [
      ['ada king lovelace', 'AL'],
      ['ada@example.com', 'A'],
      ['𝒜da Łukasiewicz', '𝒜Ł'],
      ['山田 太郎', '山太'],
    ];
    for (const [name, letters] of initials) {
      it(`should show "${letters}" for ${name} without a picture`, async () => {
        const { el } = await signIn({ userinfo: { picture: undefined, name } });
        expect(part(el, 'initials')!.textContent).to.equal(letters);
        expect(part(el, 'initials')!.getAttribute('aria-hidden')).to.equal('true');
        expect(part(el, 'user')!.textContent).to.equal(name);
      });
    }

    it('should use no inline style anywhere', async () => {
      const { el } = await signIn({ userinfo: { picture: AVATAR } });
      expect(el.shadowRoot!.querySelectorAll('[style]').length).to.equal(0);
      expect(el.hasAttribute('style')).to.equal(false);
    });
  });

  describe('theming', () => {
    it('should take colours, radius and sizes from the custom properties', async () => {
      installFakeProvider();
      const { el } = await mount();
      await untilStatus(el, 'signed-out');
      el.style.setProperty('--pkce-login-accent', 'rgb(1, 2, 3)');
      el.style.setProperty('--pkce-login-on-accent', 'rgb(250, 250, 250)');
      el.style.setProperty('--pkce-login-radius', '3px');
      const style = getComputedStyle(button(el));
      expect([style.backgroundColor, style.color, style.borderTopLeftRadius]).to.deep.equal(['rgb(1, 2, 3)', 'rgb(250, 250, 250)', '3px']);
    });

    it('should disappear with the hidden attribute', async () => {
      installFakeProvider();
      const { el } = await mount();
      await untilStatus(el, 'signed-out');
      expect(button(el).getClientRects().length).to.equal(1);
      el.hidden = true;
      expect(getComputedStyle(el).display).to.equal('none');
      expect(button(el).getClientRects().length).to.equal(0);
    });

    it('should follow a color-scheme set by the page over the user preference', async () => {
      installFakeProvider();
      const { el } = await mount();
      await untilStatus(el, 'signed-out');
      // The scheme the user does not prefer (light in a browser launched dark).
      const other = preferredColorScheme() === 'dark' ? 'light' : 'dark';
      expect(getComputedStyle(button(el)).backgroundColor).to.equal(other === 'dark' ? 'rgb(31, 95, 209)' : 'rgb(138, 180, 248)');
      el.style.colorScheme = other;
      const style = getComputedStyle(button(el));
      expect(style.backgroundColor).to.equal(other === 'dark' ? 'rgb(138, 180, 248)' : 'rgb(31, 95, 209)');
      expect(contrast(style.color, style.backgroundColor)).to.be.at.least(4.5);
    });

    it('should be styled through ::part() from the page', async () => {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync('.themed::part(login) { text-transform: uppercase } .themed::part(initials) { border-radius: 4px }');
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
      try {
        const { el, events } = await signIn({ userinfo: { picture: undefined } });
        el.classList.add('themed');
        expect(getComputedStyle(part(el, 'initials')!).borderTopLeftRadius).to.equal('4px');
        await el.logout({ local: true });
        await el.updateComplete;
        expect(getComputedStyle(part(el, 'login')!).textTransform).to.equal('uppercase');
        expect(ofType(events, 'error')).to.deep.equal([]);
      } finally {
        document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== sheet);
      }
    });
  });
});
