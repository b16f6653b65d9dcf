/**
 * better-auth 1.7 with @better-auth/oauth-provider on loopback: in-memory database, EdDSA ID
 * tokens (the jwt plugin's default), DPoP advertised, one user, one public client, and a small
 * login page that signs in through better-auth's own `/sign-in/email` API.
 *
 * The host server does what better-auth leaves to it: it serves the discovery document (the
 * provider's endpoint for it is server-only) and answers CORS for the app's origin.
 */
import { randomBytes } from 'node:crypto';
import { requirePackages } from '../helpers.mjs';
import { startFetchServer } from './fetch-server.mjs';

export const USER = { email: 'ada@example.test', password: 'correct horse battery staple', name: 'Ada Lovelace' };

/**
 * @param {{ appOrigin: string, redirectUri: string, accessTokenTtl: number }} options
 */
export async function startBetterAuth({ appOrigin, redirectUri, accessTokenTtl }) {
  const [{ betterAuth }, { jwt }, { oauthProvider, oauthProviderOpenIdConfigMetadata }] = await requirePackages([
    'better-auth', 'better-auth/plugins', '@better-auth/oauth-provider',
  ]);
  const server = await startFetchServer();
  try {
    const auth = betterAuth({
      baseURL: server.origin,
      secret: randomBytes(32).toString('base64url'),
      emailAndPassword: { enabled: true },
      telemetry: { enabled: false },
      logger: { disabled: true },
      plugins: [
        jwt(),
        oauthProvider({ loginPage: '/login', consentPage: '/consent', accessTokenExpiresIn: accessTokenTtl }),
      ],
    });
    const discovery = oauthProviderOpenIdConfigMetadata(auth);
    const issuer = `${server.origin}/api/auth`;

    server.handle(async (request) => {
      const url = new URL(request.url);
      const cors = request.headers.get('origin') === appOrigin;
      if (cors && request.method === 'OPTIONS') return withCors(new Response(null, { status: 204 }), appOrigin, true);
      let response;
      if (url.pathname === '/api/auth/.well-known/openid-configuration') response = await discovery(request);
      else if (url.pathname === '/login') response = loginPage();
      else response = await auth.handler(request);
      return cors ? withCors(response, appOrigin) : response;
    });

    // The user, and the client, which better-auth registers for a signed-in user only.
    const signUp = await auth.api.signUpEmail({ body: USER, returnHeaders: true });
    const cookie = signUp.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const client = await auth.api.adminCreateOAuthClient({
      headers: new Headers({ cookie }),
      body: {
        client_name: 'pkce-login interop',
        // better-auth refuses http:// loopback redirect URIs for "web" clients.
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [redirectUri],
        post_logout_redirect_uris: [redirectUri],
        enable_end_session: true,
        skip_consent: true,
      },
    });
    return { issuer, clientId: client.client_id, close: server.close };
  } catch (error) {
    await server.close();
    throw error;
  }
}

function withCors(response, origin, preflight = false) {
  const headers = new Headers(response.headers);
  headers.set('access-control-allow-origin', origin);
  headers.append('vary', 'Origin');
  headers.set('access-control-expose-headers', 'WWW-Authenticate, DPoP-Nonce');
  if (preflight) {
    headers.set('access-control-allow-methods', 'GET, POST');
    headers.set('access-control-allow-headers', 'Authorization, Content-Type, DPoP');
    headers.set('access-control-max-age', '600');
  }
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * The login page the authorization endpoint sends the browser to, with its signed query: it
 * posts the credentials with that query to `/sign-in/email`, which answers with the URL to go on to.
 */
function loginPage() {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in</title></head>
<body><h1>Sign in to better-auth</h1>
<form id="login"><label>Email <input name="email" type="email" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button></form><p id="error" role="alert"></p>
<script type="module">
document.getElementById('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const response = await fetch('/api/auth/sign-in/email', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: form.get('email'), password: form.get('password'), oauth_query: location.search.slice(1) }),
  });
  const body = await response.json().catch(() => ({}));
  if (response.ok && body.url) location.assign(body.url);
  else document.getElementById('error').textContent = body.message ?? response.status;
});
</script></body></html>`;
  return new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8' } });
}
