/**
 * A fake OpenID Provider behind a sinon stub of `window.fetch`: discovery, token and userinfo
 * endpoints answering with real `Response` objects, and a log of every request made.
 */

import sinon from 'sinon';
import { nowSeconds, unsignedJwt } from './jwt.js';

export const ISSUER = 'https://op.example/';
export const CLIENT_ID = 'client-1';
export const SUB = 'user-1';

export const DISCOVERY_URL = 'https://op.example/.well-known/openid-configuration';
export const AUTHORIZATION_ENDPOINT = 'https://op.example/authorize';
export const TOKEN_ENDPOINT = 'https://op.example/token';
export const USERINFO_ENDPOINT = 'https://op.example/userinfo';
export const END_SESSION_ENDPOINT = 'https://op.example/session/end';
export const PAR_ENDPOINT = 'https://op.example/par';

/** A 1×1 transparent GIF, so that avatar tests load nothing from the network. */
export const AVATAR = 'data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==';

/** The provider's discovery document. */
export function providerMetadata(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    issuer: ISSUER,
    authorization_endpoint: AUTHORIZATION_ENDPOINT,
    token_endpoint: TOKEN_ENDPOINT,
    userinfo_endpoint: USERINFO_ENDPOINT,
    end_session_endpoint: END_SESSION_ENDPOINT,
    jwks_uri: 'https://op.example/jwks',
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    id_token_signing_alg_values_supported: ['RS256'],
    authorization_response_iss_parameter_supported: true,
    ...overrides,
  };
}

/** ID token claims that pass validation for {@link CLIENT_ID} at {@link ISSUER}. */
export function idTokenClaims(nonce: string | undefined, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = nowSeconds();
  return { iss: ISSUER, sub: SUB, aud: CLIENT_ID, iat: now, exp: now + 3600, nonce, name: 'Ada Lovelace', ...overrides };
}

export const ACCESS_TOKEN = 'access-token-1';
export const REFRESH_TOKEN = 'refresh-token-secret-1';

/** A successful token endpoint body; `claims` override the ID token's claims, `body` the body's members. */
export function tokenBody(
  nonce: string | undefined,
  options: { claims?: Record<string, unknown>; header?: Record<string, unknown>; body?: Record<string, unknown> } = {},
): Record<string, unknown> {
  return {
    access_token: ACCESS_TOKEN,
    token_type: 'Bearer',
    expires_in: 3600,
    scope: 'openid profile email offline_access',
    refresh_token: REFRESH_TOKEN,
    id_token: unsignedJwt(idTokenClaims(nonce, options.claims), options.header),
    ...options.body,
  };
}

/** The userinfo endpoint's default answer. */
export function userinfoBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { sub: SUB, name: 'Ada Lovelace', email: 'ada@example.com', picture: AVATAR, ...overrides };
}

/** A JSON response. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  });
}

/** What `fetch` fails with when a request never completes (offline, CORS, DNS). */
export function networkFailure(): TypeError {
  return new TypeError('Failed to fetch');
}

/** One request the page made. */
export interface RecordedRequest {
  url: string;
  method: string;
  headers: Headers;
  /** The form body, parsed. */
  body: URLSearchParams;
  /** The page's address when the request was made. */
  pageUrl: string;
  signal: AbortSignal | null | undefined;
}

/** Answers one request: a response, or a thrown error for a failed `fetch`. */
export type Handler = (request: RecordedRequest) => Response | Promise<Response>;

export interface FakeProvider {
  readonly stub: sinon.SinonStub<Parameters<typeof fetch>, ReturnType<typeof fetch>>;
  readonly requests: RecordedRequest[];
  /** The requests made to `url` (ignoring its query). */
  to(url: string): RecordedRequest[];
}

/**
 * Stubs `window.fetch` with a provider answering the URLs in `routes`; by default discovery
 * answers {@link providerMetadata}, userinfo {@link userinfoBody}, and the token endpoint
 * `invalid_grant` (a test that signs in gives its own token response, with the right nonce).
 * Any other URL fails like an unreachable host. Undo with `sinon.restore()`.
 */
export function installFakeProvider(routes: Record<string, Handler> = {}): FakeProvider {
  const table: Record<string, Handler> = {
    [DISCOVERY_URL]: () => json(providerMetadata()),
    [TOKEN_ENDPOINT]: () => json({ error: 'invalid_grant', error_description: 'no token response in this test' }, 400),
    [USERINFO_ENDPOINT]: () => json(userinfoBody()),
    ...routes,
  };
  const requests: RecordedRequest[] = [];
  const stub = sinon.stub(window, 'fetch').callsFake(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = input instanceof Request ? input.url : String(input);
    const body = init.body;
    const request: RecordedRequest = {
      url,
      method: (init.method ?? 'GET').toUpperCase(),
      headers: new Headers(init.headers),
      body: new URLSearchParams(typeof body === 'string' || body instanceof URLSearchParams ? body : undefined),
      pageUrl: location.href,
      signal: init.signal,
    };
    requests.push(request);
    const key = new URL(url);
    key.search = '';
    const handler = table[key.href];
    if (!handler) throw networkFailure();
    return handler(request);
  });
  return {
    stub,
    requests,
    to(url: string) {
      return requests.filter((request) => request.url.split('?')[0] === url);
    },
  };
}

/** A promise with its resolve function exposed, to hold a response until the test releases it. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
