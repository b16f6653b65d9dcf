// @auth0/auth0-spa-js: createAuth0Client, loginWithRedirect, handleRedirectCallback. Bytes only:
// it speaks to Auth0's endpoints (/authorize, /oauth/token), not to a generic provider.
import { createAuth0Client } from '@auth0/auth0-spa-js';

const redirectUri = location.origin + location.pathname;
const auth0 = await createAuth0Client({
  domain: __DOMAIN__,
  clientId: __CLIENT_ID__,
  authorizationParams: { redirect_uri: redirectUri, scope: 'openid profile email' },
});

const params = new URLSearchParams(location.search);
if (params.has('state')) {
  try {
    await auth0.handleRedirectCallback();
    history.replaceState(null, '', redirectUri);
    document.dispatchEvent(new CustomEvent('token', { detail: await auth0.getTokenSilently() }));
    document.body.append('Signed in');
  } catch (error) {
    document.body.append(String(error));
  }
} else {
  const button = document.createElement('button');
  button.textContent = 'Log in';
  button.onclick = () => auth0.loginWithRedirect();
  document.body.append(button);
}
