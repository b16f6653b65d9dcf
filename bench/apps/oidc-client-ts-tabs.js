// oidc-client-ts for the many-tabs runs: the same UserManager as oidc-client-ts.js, with the
// user in localStorage (its default, sessionStorage, is one tab's: a second tab would not be
// signed in) so that every tab of the origin shares one session, and automaticSilentRenew (its
// default) renewing with the refresh token, each tab on its own: oidc-client-ts has no lock or
// message between tabs. Its renewal timer ticks at most every 5 s, in whole seconds, so the
// renewal margin is 3 s (accessTokenExpiringNotificationTimeInSeconds; its default, 60 s, renews
// an 8-second token every second): with 8-second tokens it renews 5 s after each token, like
// ours (6 s: a quarter of the lifetime before expiry).
// Tells the bench: `token` at the login, at a page load with a stored user and at every renewal;
// `login` (`restored: true`) at a page load with a stored user; `renew-error` when a renewal fails.
import { UserManager, WebStorageStateStore } from 'oidc-client-ts';
import { oidcClientPage } from './oidc-client-ts-page.js';

const redirectUri = location.origin + location.pathname;
const manager = new UserManager({
  authority: __ISSUER__,
  client_id: __CLIENT_ID__,
  redirect_uri: redirectUri,
  scope: 'openid profile email',
  userStore: new WebStorageStateStore({ store: localStorage }),
  automaticSilentRenew: true,
  accessTokenExpiringNotificationTimeInSeconds: 3,
});

const token = (user) => document.dispatchEvent(new CustomEvent('token', {
  detail: { accessToken: user.access_token, expiresAt: user.expires_at * 1000 },
}));
let shown = false;
function signedIn(user, restored) {
  token(user);
  document.dispatchEvent(new CustomEvent('login', { detail: { restored } }));
  shown = true;
  document.body.append(`Signed in as ${user.profile.name ?? user.profile.sub}`);
}
manager.events.addUserLoaded((user) => { if (shown) token(user); });
manager.events.addSilentRenewError((error) => {
  document.dispatchEvent(new CustomEvent('renew-error', { detail: String(error?.message ?? error) }));
});

oidcClientPage(manager, redirectUri, signedIn);
