// The floor: a hand-written minimal Authorization Code + PKCE page, with no library.
// Login: verifier, S256 challenge and state from crypto.getRandomValues / crypto.subtle, kept in
// sessionStorage, then a redirect. Return: check state, POST the token request, parse the JSON.
// Endpoints are hard-coded (no discovery), as the smallest possible page would have them.
const redirectUri = location.origin + location.pathname;
const KEY = 'floor-pkce';

const base64url = (bytes) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const random = () => base64url(crypto.getRandomValues(new Uint8Array(32)));

async function login() {
  const verifier = random();
  const state = random();
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(KEY, JSON.stringify({ verifier, state }));
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

async function callback(params) {
  const saved = JSON.parse(sessionStorage.getItem(KEY) || 'null');
  sessionStorage.removeItem(KEY);
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
  document.body.append('Signed in');
}

const params = new URLSearchParams(location.search);
if (params.has('state')) {
  callback(params).catch((error) => document.body.append(String(error)));
} else {
  const button = document.createElement('button');
  button.textContent = 'Log in';
  button.onclick = login;
  document.body.append(button);
}
