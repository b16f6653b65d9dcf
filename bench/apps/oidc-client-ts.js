// oidc-client-ts: UserManager with its defaults (discovery on first use, state in localStorage,
// the user in sessionStorage, no userinfo request). A page load with a user stored: getUser()
// from the store, then the user's name shown (`login` event, `restored: true`).
import { UserManager } from 'oidc-client-ts';
import { oidcClientPage } from './oidc-client-ts-page.js';

const redirectUri = location.origin + location.pathname;
const manager = new UserManager({
  authority: __ISSUER__,
  client_id: __CLIENT_ID__,
  redirect_uri: redirectUri,
  scope: 'openid profile email',
});

function signedIn(user, restored) {
  document.dispatchEvent(new CustomEvent('login', { detail: { restored } }));
  document.body.append(`Signed in as ${user.profile.name ?? user.profile.sub}`);
}

oidcClientPage(manager, redirectUri, signedIn, (user) => document.dispatchEvent(new CustomEvent('token', { detail: user })));
