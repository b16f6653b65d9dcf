// keycloak-js: the generic OpenID Connect configuration (oidcProvider = the issuer), PKCE S256,
// no session iframe. init() completes a callback by itself.
import Keycloak from 'keycloak-js';

const keycloak = new Keycloak({ clientId: __CLIENT_ID__, oidcProvider: __ISSUER__ });
keycloak
  .init({ pkceMethod: 'S256', checkLoginIframe: false, scope: 'openid profile email' })
  .then((authenticated) => {
    if (authenticated) {
      document.dispatchEvent(new CustomEvent('token', { detail: keycloak.token }));
      document.body.append('Signed in');
    } else {
      const button = document.createElement('button');
      button.textContent = 'Log in';
      button.onclick = () => keycloak.login();
      document.body.append(button);
    }
  }, (error) => document.body.append(String(error)));
