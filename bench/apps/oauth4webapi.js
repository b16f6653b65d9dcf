// oauth4webapi alone: discovery, PKCE and state, the code grant and its response processing
// (ID token claims validated), transaction in sessionStorage.
import * as oauth from 'oauth4webapi';

const redirectUri = location.origin + location.pathname;
const KEY = 'oauth4webapi-pkce';
const issuer = new URL(__ISSUER__);
const client = { client_id: __CLIENT_ID__ };
// Plain http: only for the local provider on loopback.
const options = { [oauth.allowInsecureRequests]: issuer.protocol === 'http:' };

const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, options));

async function login() {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  sessionStorage.setItem(KEY, JSON.stringify({ verifier, state, nonce }));
  const url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: redirectUri,
    scope: 'openid profile email',
    state,
    nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  location.assign(url);
}

async function callback() {
  const saved = JSON.parse(sessionStorage.getItem(KEY) || 'null');
  sessionStorage.removeItem(KEY);
  if (!saved) throw new Error('no login in progress');
  const params = oauth.validateAuthResponse(as, client, new URL(location.href), saved.state);
  history.replaceState(null, '', redirectUri);
  const response = await oauth.authorizationCodeGrantRequest(
    as, client, oauth.None(), params, redirectUri, saved.verifier, options,
  );
  const result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: saved.nonce });
  document.dispatchEvent(new CustomEvent('token', { detail: result }));
  document.body.append('Signed in');
}

if (new URLSearchParams(location.search).has('state')) {
  callback().catch((error) => document.body.append(String(error)));
} else {
  const button = document.createElement('button');
  button.textContent = 'Log in';
  button.onclick = login;
  document.body.append(button);
}
