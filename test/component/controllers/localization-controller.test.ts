/// <reference types="mocha" />
/**
 * LocalizationController on its own, in a tiny LitElement that renders one string through it:
 * which `lang` wins (the element's, the nearest ancestor's, the document's), primary-subtag
 * matching, `messages` overrides, and re-rendering when a `lang` above the element changes —
 * only while the element is in the document.
 */
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { LitElement, type PropertyDeclaration, type TemplateResult } from 'lit';
import { LocalizationController } from '../../../src/controllers/localization-controller.js';
import type { PkceLoginMessages } from '../../../src/ui/messages.js';

/** A host that renders the Log in label, and counts the updates requested without a property name. */
class LocalizedTestHost extends LitElement {
  messages: Partial<PkceLoginMessages> = {};
  readonly localization = new LocalizationController(this);
  /** requestUpdate() calls with no property: the controller's. Set after construction. */
  bareUpdateRequests = 0;

  override requestUpdate(name?: PropertyKey, oldValue?: unknown, options?: PropertyDeclaration): void {
    super.requestUpdate(name, oldValue, options);
    if (name === undefined) this.bareUpdateRequests += 1;
  }

  protected override render(): TemplateResult {
    return html`<span>${this.localization.message('login')}</span>`;
  }
}
const TAG = 'localized-test-host';
if (!customElements.get(TAG)) customElements.define(TAG, LocalizedTestHost);

function rendered(el: LocalizedTestHost): string {
  return el.shadowRoot!.querySelector('span')!.textContent;
}

/** Lets MutationObserver callbacks and a pending update run. */
async function settle(el: LocalizedTestHost): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 30));
  await el.updateComplete;
}

describe('LocalizationController', () => {
  let documentLang: string;

  beforeEach(() => {
    documentLang = document.documentElement.lang;
    document.documentElement.lang = 'en';
  });

  afterEach(() => {
    document.documentElement.lang = documentLang;
  });

  it("should take the element's lang over an ancestor's, an ancestor's over the document's", async () => {
    document.documentElement.lang = 'es';
    const outer = await fixture<HTMLDivElement>(
      html`<div lang="de"><section><localized-test-host lang="fr"></localized-test-host></section></div>`,
    );
    const el = outer.querySelector<LocalizedTestHost>(TAG)!;
    await el.updateComplete;

    expect(el.localization.lang).to.equal('fr');
    expect(el.localization.message('login')).to.equal('Se connecter');
    expect(rendered(el)).to.equal('Se connecter');

    el.removeAttribute('lang');
    expect(el.localization.lang, 'nearest ancestor').to.equal('de');
    expect(el.localization.message('login')).to.equal('Anmelden');

    outer.removeAttribute('lang');
    expect(el.localization.lang, 'the document').to.equal('es');
    expect(el.localization.message('login')).to.equal('Iniciar sesión');
  });

  it('should match on the primary subtag (fr-CA → French, zh-TW → Chinese), English otherwise', async () => {
    const outer = await fixture<HTMLDivElement>(html`<div lang="fr-CA"><localized-test-host></localized-test-host></div>`);
    const el = outer.querySelector<LocalizedTestHost>(TAG)!;
    await el.updateComplete;
    expect(el.localization.lang).to.equal('fr-CA');
    expect(rendered(el)).to.equal('Se connecter');
    expect(el.localization.message('logout')).to.equal('Se déconnecter');

    outer.lang = 'ZH-tw';
    expect(el.localization.message('login')).to.equal('登录');

    outer.lang = 'nl-BE';
    expect(el.localization.message('login')).to.equal('Log in');
  });

  it('should take one string from messages and keep the others in the language', async () => {
    const outer = await fixture<HTMLDivElement>(html`<div lang="fr"><localized-test-host></localized-test-host></div>`);
    const el = outer.querySelector<LocalizedTestHost>(TAG)!;
    el.messages = { login: 'Entrer' };
    expect(el.localization.message('login')).to.equal('Entrer');
    expect(el.localization.message('logout')).to.equal('Se déconnecter');
    expect(el.localization.message('signedIn')).to.equal('Connecté en tant que');
    // The override does not follow the language.
    outer.lang = 'de';
    expect(el.localization.message('login')).to.equal('Entrer');
    expect(el.localization.message('logout')).to.equal('Abmelden');
  });

  it("should re-render the host when the document's lang changes", async () => {
    const el = await fixture<LocalizedTestHost>(html`<localized-test-host></localized-test-host>`);
    await settle(el);
    expect(rendered(el)).to.equal('Log in');
    const before = el.bareUpdateRequests;

    document.documentElement.lang = 'de';
    await waitUntil(() => rendered(el) === 'Anmelden', `still "${rendered(el)}"`, { timeout: 1000 });
    expect(el.bareUpdateRequests - before, 'requestUpdate() calls').to.equal(1);
  });

  it("should re-render the host when an ancestor's lang changes", async () => {
    const outer = await fixture<HTMLDivElement>(html`<div lang="fr"><p><localized-test-host></localized-test-host></p></div>`);
    const el = outer.querySelector<LocalizedTestHost>(TAG)!;
    await settle(el);
    expect(rendered(el)).to.equal('Se connecter');
    const before = el.bareUpdateRequests;

    outer.setAttribute('lang', 'es');
    await waitUntil(() => rendered(el) === 'Iniciar sesión', `still "${rendered(el)}"`, { timeout: 1000 });
    expect(el.bareUpdateRequests - before, 'requestUpdate() calls').to.equal(1);

    // A new `lang` on an element in between counts too.
    el.parentElement!.setAttribute('lang', 'pt');
    await waitUntil(() => rendered(el) === 'Entrar', `still "${rendered(el)}"`, { timeout: 1000 });
  });

  it('should stop observing when the host leaves the document, and observe again when it comes back', async () => {
    const outer = await fixture<HTMLDivElement>(html`<div><localized-test-host></localized-test-host></div>`);
    const el = outer.querySelector<LocalizedTestHost>(TAG)!;
    await settle(el);
    el.remove();
    const before = el.bareUpdateRequests;

    document.documentElement.lang = 'de';
    outer.setAttribute('lang', 'fr');
    await settle(el);
    expect(el.bareUpdateRequests - before, 'updates requested while disconnected').to.equal(0);

    outer.append(el);
    await settle(el);
    const reconnected = el.bareUpdateRequests;
    outer.setAttribute('lang', 'ja');
    await waitUntil(() => el.bareUpdateRequests > reconnected, 'no update after reconnecting', { timeout: 1000 });
    await el.updateComplete;
    expect(rendered(el)).to.equal('ログイン');
  });

  // The observer is disconnected while the host is out of the document: reconnecting must
  // re-render, since the host may now be under another `lang`, or a `lang` changed meanwhile.
  it('should render in the new language after being moved under an ancestor of another lang', async () => {
    const root = await fixture<HTMLDivElement>(
      html`<div><div id="fr" lang="fr"><localized-test-host></localized-test-host></div><div id="de" lang="de"></div></div>`,
    );
    const el = root.querySelector<LocalizedTestHost>(TAG)!;
    await settle(el);
    expect(rendered(el)).to.equal('Se connecter');

    root.querySelector('#de')!.append(el);
    await settle(el);
    expect(el.localization.lang).to.equal('de');
    expect(rendered(el), 'label after the move').to.equal('Anmelden');
  });

  it("should render in the document's new language when reattached after it changed", async () => {
    const el = await fixture<LocalizedTestHost>(html`<localized-test-host></localized-test-host>`);
    await settle(el);
    const parent = el.parentElement!;
    el.remove();
    await settle(el);
    document.documentElement.lang = 'de';
    await settle(el);
    parent.append(el);
    await settle(el);
    expect(rendered(el), 'label after reattaching').to.equal('Anmelden');
  });
});
