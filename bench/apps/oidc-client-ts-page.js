// The page of the plain oidc-client-ts apps (oidc-client-ts.js, oidc-client-ts-tabs.js): on the
// callback, signinRedirectCallback(), the address cleaned and the user shown; on any other load,
// the stored user (getUser()) shown, or a Log in button.

/**
 * @param {import('oidc-client-ts').UserManager} manager
 * @param {string} redirectUri
 * @param {(user: import('oidc-client-ts').User, restored: boolean) => void} signedIn shows the user
 * @param {(user: import('oidc-client-ts').User) => void} [onCallback] after the code exchange, before `signedIn`
 */
export function oidcClientPage(manager, redirectUri, signedIn, onCallback) {
  if (new URLSearchParams(location.search).has('state')) {
    manager.signinRedirectCallback().then(
      (user) => {
        history.replaceState(null, '', redirectUri);
        onCallback?.(user);
        signedIn(user, false);
      },
      (error) => document.body.append(String(error)),
    );
    return;
  }
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
