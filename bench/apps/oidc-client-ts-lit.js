// oidc-client-ts with its login button as a LitElement: what a developer would build instead of
// <pkce-login> on the same foundation (lit). UserManager with its defaults, as in
// oidc-client-ts.js (discovery on first use, state in localStorage, user in sessionStorage, no
// userinfo request; a page load with a user stored shows the name, from getUser()); the element
// has a reactive property for the signed-in user, an `html` template and `css` styles: a Log in
// button that calls signinRedirect(), or the user's name once signed in. The page has
// <oidc-login></oidc-login>.
import { UserManager } from 'oidc-client-ts';
import { LitElement, html, css } from 'lit';

const redirectUri = location.origin + location.pathname;
const manager = new UserManager({
  authority: __ISSUER__,
  client_id: __CLIENT_ID__,
  redirect_uri: redirectUri,
  scope: 'openid profile email',
});

class OidcLogin extends LitElement {
  static properties = { user: { attribute: false } };

  static styles = css`
    :host {
      display: inline-block;
      font: inherit;
    }
    button {
      font: inherit;
      padding: 0.5em 1.25em;
      border: 0;
      border-radius: 0.375em;
      background: #1a56db;
      color: #fff;
      cursor: pointer;
    }
    button:hover {
      background: #1e429f;
    }
    button:focus-visible {
      outline: 2px solid #1a56db;
      outline-offset: 2px;
    }
    .user {
      font-weight: 600;
    }
  `;

  constructor() {
    super();
    // Not a class field: a field would shadow the reactive accessor lit defines for `user`.
    this.user = null;
  }

  render() {
    if (this.user) {
      const { name, preferred_username: username, sub } = this.user.profile;
      return html`<span class="user" part="user">Signed in as ${name ?? username ?? sub}</span>`;
    }
    return html`<button part="login" @click=${() => manager.signinRedirect()}>Log in</button>`;
  }
}
customElements.define('oidc-login', OidcLogin);

const login = document.querySelector('oidc-login');
const params = new URLSearchParams(location.search);
if (params.has('state')) {
  manager.signinRedirectCallback().then(
    (user) => {
      history.replaceState(null, '', redirectUri);
      login.user = user;
      document.dispatchEvent(new CustomEvent('token', { detail: user }));
      // The bench's mark (__BENCH__ is false in the byte table's build: not counted).
      if (__BENCH__) document.dispatchEvent(new CustomEvent('login', { detail: { restored: false } }));
    },
    (error) => document.body.append(String(error)),
  );
} else {
  // A page load with a user stored (sessionStorage): getUser(), then the name in the element.
  manager.getUser().then((user) => {
    login.user = user;
    if (__BENCH__ && user) document.dispatchEvent(new CustomEvent('login', { detail: { restored: true } }));
  });
}
