// oidc-client-ts: UserManager with its defaults (discovery on first use, state in localStorage,
// the user in sessionStorage, no userinfo request). A page load with a user stored: getUser()
// from the store, then the user's name shown (`login` event, `restored: true`).
import { UserManager } from 'oidc-client-ts';

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

const params = new URLSearchParams(location.search);
if (params.has('state')) {
  manager.signinRedirectCallback().then(
    (user) => {
      history.replaceState(null, '', redirectUri);
      document.dispatchEvent(new CustomEvent('token', { detail: user }));
      signedIn(user, false);
    },
    (error) => document.body.append(String(error)),
  );
} else {
  manager.getUser().then((user) => {
    if (user && !user.expired) {
      signedIn(user, true);
      return;
    }
    const button = document.createElement('button');
    button.textContent = 'Log in';
    button.onclick = () => manager.signinRedirect();
    document.body.append(button);
  });
}
