// oidc-client-ts: UserManager with its defaults (discovery on first use, state in localStorage,
// user in sessionStorage, no userinfo request).
import { UserManager } from 'oidc-client-ts';

const redirectUri = location.origin + location.pathname;
const manager = new UserManager({
  authority: __ISSUER__,
  client_id: __CLIENT_ID__,
  redirect_uri: redirectUri,
  scope: 'openid profile email',
});

const params = new URLSearchParams(location.search);
if (params.has('state')) {
  manager.signinRedirectCallback().then(
    (user) => {
      history.replaceState(null, '', redirectUri);
      document.dispatchEvent(new CustomEvent('token', { detail: user }));
      document.body.append('Signed in');
    },
    (error) => document.body.append(String(error)),
  );
} else {
  const button = document.createElement('button');
  button.textContent = 'Log in';
  button.onclick = () => manager.signinRedirect();
  document.body.append(button);
}
