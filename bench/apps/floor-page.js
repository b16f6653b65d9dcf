// The hand-written minimal Authorization Code + PKCE page that the floors share; each floor
// passes where it keeps the login's verifier and state between the redirect and the return, and
// where it keeps the signed-in session between page loads.
// Login: verifier, S256 challenge and state from crypto.getRandomValues / crypto.subtle, saved,
// then a redirect. Return: take the saved record for the state, POST the token request, parse the
// JSON (`token` event), keep the session (the user's name from the ID token's payload, not
// validated; the access token and its expiry), show the name (`login` event). A later page load
// with a session still valid: read it, show the name (`login` event, `restored: true`). Endpoints
// are hard-coded (no discovery), as the smallest possible page would have them.
const redirectUri = location.origin + location.pathname;

const base64url = (bytes) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const random = () => base64url(crypto.getRandomValues(new Uint8Array(32)));
const claims = (jwt) => JSON.parse(atob(jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));

/**
 * Runs the page.
 *
 * @param {{ save(record: { verifier: string, state: string }): Promise<void> | void,
 *   take(state: string): Promise<{ verifier: string, state: string } | undefined> | { verifier: string, state: string } | undefined,
 *   saveSession(session: { name: string, accessToken: string, expiresAt: number }): Promise<void> | void,
 *   loadSession(): Promise<{ name: string, accessToken: string, expiresAt: number } | undefined> | { name: string, accessToken: string, expiresAt: number } | undefined }} store
 */
export function floorPage(store) {
  async function login() {
    const verifier = random();
    const state = random();
    const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
    await store.save({ verifier, state });
    const url = new URL(__AUTHORIZATION_ENDPOINT__);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: __CLIENT_ID__,
      redirect_uri: redirectUri,
      scope: 'openid profile email',
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    location.assign(url);
  }

  function signedIn(session, restored) {
    document.dispatchEvent(new CustomEvent('login', { detail: { restored } }));
    document.body.append(`Signed in as ${session.name}`);
  }

  async function callback(params) {
    const saved = await store.take(params.get('state'));
    if (!saved || saved.state !== params.get('state')) throw new Error('state mismatch');
    history.replaceState(null, '', redirectUri);
    const response = await fetch(__TOKEN_ENDPOINT__, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: params.get('code'),
        redirect_uri: redirectUri,
        client_id: __CLIENT_ID__,
        code_verifier: saved.verifier,
      }),
    });
    const tokens = await response.json();
    if (!response.ok) throw new Error(tokens.error);
    document.dispatchEvent(new CustomEvent('token', { detail: tokens }));
    const { name, sub } = claims(tokens.id_token);
    const session = { name: name ?? sub, accessToken: tokens.access_token, expiresAt: Date.now() + tokens.expires_in * 1000 };
    await store.saveSession(session);
    signedIn(session, false);
  }

  async function start() {
    const session = await store.loadSession();
    if (session && session.expiresAt > Date.now()) {
      signedIn(session, true);
      return;
    }
    const button = document.createElement('button');
    button.textContent = 'Log in';
    button.onclick = login;
    document.body.append(button);
  }

  const params = new URLSearchParams(location.search);
  (params.has('state') ? callback(params) : start()).catch((error) => document.body.append(String(error)));
}
