// The floor with the transaction in IndexedDB instead of sessionStorage, as SPEC §1.2 asks of
// <pkce-login>: the same hand-written page as floor.js, but the verifier and state are written to
// an IndexedDB record keyed by state before the redirect, and on return the record is read and
// deleted in one read-write transaction before the token request. No library: the raw API.
// What it measures: the cost of that one requirement, on its own.
const redirectUri = location.origin + location.pathname;

const base64url = (bytes) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const random = () => base64url(crypto.getRandomValues(new Uint8Array(32)));

/** The transactions object store, in a read-write transaction, and that transaction's end. */
function transactions() {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('floor-idb');
    open.onupgradeneeded = () => open.result.createObjectStore('transactions');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const tx = open.result.transaction('transactions', 'readwrite');
      const done = new Promise((res, rej) => {
        tx.oncomplete = res;
        tx.onerror = tx.onabort = () => rej(tx.error);
      });
      resolve({ store: tx.objectStore('transactions'), done });
    };
  });
}

async function login() {
  const verifier = random();
  const state = random();
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const { store, done } = await transactions();
  store.put({ verifier, state }, state);
  await done;
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
  const { store } = await transactions();
  const saved = await new Promise((resolve, reject) => {
    const get = store.get(params.get('state'));
    get.onsuccess = () => resolve(get.result);
    get.onerror = () => reject(get.error);
  });
  store.delete(params.get('state'));
  if (!saved) throw new Error('state mismatch');
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
