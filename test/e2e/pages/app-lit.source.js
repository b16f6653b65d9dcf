// An app's own lit, beside the CDN bundle's (which has lit inside): a small LitElement of the
// app. Browsers cannot load this file as is (it imports `lit` by name): strict-csp.test.mjs
// bundles it with esbuild, lit from node_modules included, and serves the result as app-lit.js,
// as an app's build would. Its lit-html creates its own `lit-html` Trusted Types policy.
import { LitElement, css, html } from 'lit';

class AppBanner extends LitElement {
  static properties = { text: {} };

  static styles = css`:host { display: block; font-weight: bold; }`;

  constructor() {
    super();
    this.text = 'Rendered by the app\'s own lit';
  }

  render() {
    return html`<p part="text">${this.text}</p>`;
  }
}

customElements.define('app-banner', AppBanner);
