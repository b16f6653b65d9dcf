/**
 * The protocol adapter: every OAuth 2 / OpenID Connect step `<pkce-login>` takes, as thin
 * functions over oauth4webapi (OpenID-certified), plus the mapping of its errors onto the codes
 * of SPEC §6.
 *
 * What lives here is policy (which checks are mandatory, which metadata is trusted, how errors
 * are named), not protocol mechanics: PKCE, state and nonce generation, discovery, the RFC 9207
 * check, the code grant and ID token claims validation are oauth4webapi's.
 *
 * No DOM, no storage. `fetch`, `crypto` and `console` (warnings) are the only globals used.
 *
 * @packageDocumentation
 */

import * as oauth from 'oauth4webapi';
import { invalid, isLoopbackHost, type ApiTarget, type ResolvedConfig } from './config.js';
import { PkceLoginError, type StepUpChallenge } from '../errors.js';
import { LOGOUT_STATE_PREFIX } from '../storage/logout-state.js';
import type { TransactionRecord } from '../storage/transaction-store.js';

/** Provider metadata (RFC 8414 / OIDC Discovery), with the explicit endpoints applied. */
export type ServerMetadata = oauth.AuthorizationServer;

/** Extra authorization request parameters (`prompt`, `login_hint`, `max_age` …). */
export type AuthorizationParams = Record<string, string | number | boolean | null | undefined>;

/** The outcome of a successful code exchange. */
export interface TokenSet {
  accessToken: string;
  /** `Bearer` or `DPoP`. */
  tokenType: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  /** Epoch milliseconds: when the token response arrived. */
  receivedAt: number;
  scope: string;
  idToken: string | undefined;
  refreshToken: string | undefined;
  /** ID token claims merged with userinfo claims. */
  claims: Record<string, unknown>;
}

/** Sets each parameter of `values` that is not `null` or `undefined`. */
function setParams(params: URLSearchParams, values: AuthorizationParams): void {
  for (const [key, value] of Object.entries(values)) if (value != null) params.set(key, String(value));
}

/** How long a login may take between leaving the page and coming back: ten minutes. */
export const TRANSACTION_TTL_MS = 600_000;

type Transport = Pick<ResolvedConfig, 'timeout' | 'allowHttp' | 'redirectUri'>;

/** The provider endpoints the element sends requests to, as its messages name them. */
type Role = 'discovery' | 'token' | 'userinfo' | 'PAR' | 'revocation';

/** How every message names a request's target: "the token endpoint https://…". */
function endpoint(role: Role, url: string): string {
  return `the ${role} endpoint ${url}`;
}

function client(config: Pick<ResolvedConfig, 'clientId' | 'clockTolerance'>): oauth.Client {
  return { client_id: config.clientId, [oauth.clockTolerance]: config.clockTolerance };
}

/** The largest provider response read, in bytes; anything longer is an `invalid_response`. */
export const MAX_RESPONSE_BYTES = 1 << 20;

/**
 * `fetch`, reading at most {@link MAX_RESPONSE_BYTES} of the body. A request that fails to
 * complete is a `network_error` naming the endpoint and its URL: a timeout says so, and for a
 * `TypeError` from `fetch` (the browser hides whether CORS, DNS or a closed port is the cause) the
 * message names the likely one, CORS, with the page's origin. A redirect is not followed
 * (oauth4webapi asks for `redirect: 'manual'`): it is an `invalid_response` saying so, whose cause
 * is the response.
 */
async function boundedFetch(url: string, init: RequestInit, role: Role, config: Transport, bearer: boolean): Promise<Response> {
  let response: Response;
  let body = new Uint8Array(0);
  try {
    response = await fetch(url, init);
    // A browser gives an opaque redirect (status 0, from which no Response can be rebuilt) and
    // hides where it goes; other runtimes give the 3xx itself.
    if (response.type === 'opaqueredirect' || (response.status > 299 && response.status < 400)) {
      const to = response.headers.get('location');
      throw new PkceLoginError(
        'invalid_response',
        `${endpoint(role, url)} answered with a redirect${to ? ` to ${to}` : ''}, which is not followed`,
        undefined,
        response,
      );
    }
    const reader = response.body?.getReader();
    for (let chunk; reader && !(chunk = await reader.read()).done; ) {
      if (body.length + chunk.value.length > MAX_RESPONSE_BYTES) {
        void reader.cancel();
        throw new PkceLoginError('invalid_response', `${endpoint(role, url)} answered more than ${MAX_RESPONSE_BYTES} bytes`);
      }
      // Usually a single chunk: a Blob of the chunks would cost more than the copy.
      const joined = new Uint8Array(body.length + chunk.value.length);
      joined.set(body);
      joined.set(chunk.value, body.length);
      body = joined;
    }
  } catch (error) {
    const origin = new URL(config.redirectUri).origin;
    const why =
      error instanceof DOMException && error.name === 'TimeoutError'
        ? `timed out after ${config.timeout} ms`
        : error instanceof TypeError
          ? `could not be reached (${error.message}): ${new URL(url).origin === origin ? '' : `the provider must allow ${origin} (CORS), else `}check the URL and that the provider is up`
          : undefined;
    throw why ? new PkceLoginError('network_error', `${endpoint(role, url)} ${why}`, undefined, error) : error;
  }
  return new Response(body.length ? (bearer ? bearerByDefault(response.status, body) : body) : null, response);
}

/**
 * Options shared by every request to the `role` endpoint: timeout, size limit, messages naming
 * the endpoint, and `http:` for loopback development servers.
 *
 * @param dpop the token request's DPoP handle: without one, a token response without
 *   `token_type` is read as `Bearer` (see {@link bearerByDefault})
 */
function transport(config: Transport, role: Role, dpop?: DPoPHandle) {
  const bearer = role === 'token' && !dpop;
  return {
    signal: () => AbortSignal.timeout(config.timeout),
    [oauth.customFetch]: (url: string, init: RequestInit) => boundedFetch(url, init, role, config, bearer),
    // Only ever true for loopback hosts: resolveConfig refuses http: anywhere else.
    [oauth.allowInsecureRequests]: config.allowHttp,
  };
}

/**
 * The provider's metadata: OpenID Connect Discovery, then RFC 8414 after any failure of it (a
 * 404, a 500, or a network error: OpenAuth answers the first URL with a 404 without CORS headers,
 * which the browser reports as a network error), but a timeout: the second URL is on the same
 * host. After a redirect from the first URL, that URL with a trailing slash is tried before RFC
 * 8414: django-oauth-toolkit serves only the slashed one and Django redirects the other to it. A
 * document for another issuer ends the search: the provider answered.
 *
 * @throws {PkceLoginError} `discovery_failed` naming each URL tried and why it failed, or the
 *   configured issuer and the one the provider gives
 */
async function fetchMetadata(config: ResolvedConfig): Promise<ServerMetadata> {
  const issuer = new URL(config.issuer);
  const options = transport(config, 'discovery');
  // Why the URLs tried failed, each reason with its URLs: URLs that failed alike are named once.
  const failures = new Map<string, string[]>();
  let cause: unknown;
  let redirected = false;
  for (const [algorithm, slash] of [['oidc', ''], ['oidc', '/'], ['oauth2', '']] as const) {
    if (slash && !redirected) continue;
    let url = '';
    try {
      const response = await oauth.discoveryRequest(issuer, {
        ...options,
        algorithm,
        [oauth.customFetch]: (href: string, init: RequestInit) => options[oauth.customFetch]((url = href + slash), init),
      });
      return await oauth.processDiscoveryResponse(issuer, response);
    } catch (error) {
      if (error instanceof oauth.OperationProcessingError && error.code === oauth.JSON_ATTRIBUTE_COMPARISON) {
        const given = (error.cause as { body: { issuer: string } }).body.issuer;
        throw new PkceLoginError(
          'discovery_failed',
          `${url} gives the issuer "${given}", but the configured issuer is "${config.issuer}": they must be the same (mind a trailing slash, and localhost vs 127.0.0.1)`,
          undefined,
          error,
        );
      }
      cause = error;
      redirected = error instanceof PkceLoginError && error.cause instanceof Response;
      const prefix = `${endpoint('discovery', url)} `;
      const message =
        error instanceof oauth.OperationProcessingError && error.code === oauth.RESPONSE_IS_NOT_CONFORM && error.cause instanceof Response
          ? `answered HTTP ${error.cause.status}`
          : describe(error);
      const why = message.startsWith(prefix) ? message.slice(prefix.length) : message;
      failures.set(why, [...(failures.get(why) ?? []), url]);
      // A timeout (boundedFetch's network_error caused by a TimeoutError).
      if (error instanceof PkceLoginError && error.cause instanceof DOMException) break;
    }
  }
  const tried = [...failures].map(([why, urls]) => `${urls.join(' and ')} ${why}`);
  throw new PkceLoginError('discovery_failed', `discovery of ${config.issuer} failed: ${tried.join('; ')}`, undefined, cause);
}

/**
 * Resolves the provider's endpoints: OpenID Connect Discovery, then RFC 8414 as a fallback,
 * then the explicit endpoints over them. With explicit authorization and token endpoints no
 * request is made. `none` is removed from the ID token signing algorithms, so an unsigned ID
 * token is refused even when a provider advertises it.
 *
 * @throws {PkceLoginError} `discovery_failed`, including when the discovered `issuer` differs
 *   from the configured one (it must match exactly) or the provider lacks S256
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html §4
 * @see https://www.rfc-editor.org/rfc/rfc8414 §3
 */
export async function discover(config: ResolvedConfig): Promise<ServerMetadata> {
  const { endpoints } = config;
  let metadata: ServerMetadata =
    endpoints.authorization_endpoint && endpoints.token_endpoint ? { issuer: config.issuer } : await fetchMetadata(config);
  const algs = metadata.id_token_signing_alg_values_supported?.filter((alg) => alg !== 'none');
  metadata = { ...metadata, ...endpoints, id_token_signing_alg_values_supported: algs?.length ? algs : undefined };
  const { code_challenge_methods_supported: pkce } = metadata;
  if ((pkce && !pkce.includes('S256')) || !metadata.authorization_endpoint || !metadata.token_endpoint) {
    throw new PkceLoginError('discovery_failed', 'the provider lacks PKCE S256, or an authorization or token endpoint');
  }
  return metadata;
}

/** What {@link createAuthorizationRequest} needs beyond the configuration. */
export interface AuthorizationRequestOptions {
  metadata: ServerMetadata;
  /** Extra parameters; they cannot override the ones the element owns. */
  authorizationParams?: AuthorizationParams | undefined;
  /** Sent as `ui_locales` unless `authorizationParams` sets it. */
  uiLocales?: string | undefined;
  returnTo?: string | undefined;
  /**
   * The login's PKCE verifier and DPoP key, made ahead by {@link createLoginSecrets}; without
   * them, a verifier is made here and no DPoP key is used.
   */
  secrets?: LoginSecrets | undefined;
  /** Put before the random `state` (popup logins are recognised by theirs). */
  statePrefix?: string | undefined;
}

/**
 * The `max_age` of an authorization request (OIDC Core §3.1.2.1): whole seconds, 0 or more, as a
 * number or a string of digits; `undefined` when not sent. Kept in the transaction record, it
 * makes the ID token's `auth_time` required and checked (§3.1.3.7 item 13).
 *
 * @throws {PkceLoginError} `invalid_config` for any other value, or without the `openid` scope
 *   (no ID token, so nothing to check `auth_time` in)
 */
function maxAgeOf(value: AuthorizationParams[string]): number | undefined {
  if (value == null) return undefined;
  const seconds = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isSafeInteger(seconds) || seconds < 0) {
    throw invalid('authorizationParams.max_age', 'must be a whole number of seconds, 0 or more', value);
  }
  return seconds;
}

/** What a login asked the ID token to say, beyond OIDC Core's checks: kept in its transaction. */
type Asked = Pick<TransactionRecord, 'maxAge' | 'acrValues' | 'organization'>;

/**
 * The ID token claims that must answer what the login asked for, checked after oauth4webapi's
 * validation (`max_age` is oauth4webapi's): `acr` one of the `acr_values` sent (RFC 9470 step-up;
 * OIDC Core makes them voluntary, the element holds the provider to them), and for an
 * `organization` (Auth0), `org_id` equal to it when it starts with `org_`, else `org_name`
 * equal to it, letter case aside.
 *
 * @throws {PkceLoginError} `id_token_invalid` saying which claim and what was asked
 */
function checkAsked(asked: Asked, claims: oauth.IDToken): void {
  const { acrValues, organization } = asked;
  const acr = claims['acr'];
  if (acrValues && !acrValues.includes(acr as string)) {
    throw new PkceLoginError('id_token_invalid', `the ID token's acr is ${JSON.stringify(acr)}, not one of acr_values=${acrValues.join(' ')}`);
  }
  if (!organization) return;
  const claim = organization.startsWith('org_') ? 'org_id' : 'org_name';
  const value = claims[claim];
  if (typeof value !== 'string' || (claim === 'org_id' ? value : value.toLowerCase()) !== (claim === 'org_id' ? organization : organization.toLowerCase())) {
    throw new PkceLoginError('id_token_invalid', `the ID token's ${claim} is ${JSON.stringify(value)}, not organization=${organization}`);
  }
}

/**
 * OpenID Connect (the scope has `openid`), or plain OAuth 2: then no nonce is sent, no ID token is
 * expected, and no discovered userinfo endpoint is called (see {@link withUserinfo}).
 */
function isOpenid(config: Pick<ResolvedConfig, 'scope'>): boolean {
  return config.scope.split(' ').includes('openid');
}

/** A new DPoP key pair: ES256, its private key not extractable. */
export function createDpopKey(): Promise<CryptoKeyPair> {
  return oauth.generateKeyPair('ES256');
}

/** True when the provider takes DPoP proofs signed with ES256, the element's algorithm (RFC 9449). */
export function supportsDpop(metadata: ServerMetadata): boolean {
  return metadata.dpop_signing_alg_values_supported?.includes('ES256') === true;
}

/**
 * The secrets of one login that take the browser a moment to make (a hash, a key pair, its
 * thumbprint), so that they can be made before the click. Each is used for one login only.
 */
export interface LoginSecrets {
  /** The PKCE code verifier (RFC 7636 §4.1): 43 characters from a CSPRNG. */
  codeVerifier: string;
  /** Its S256 challenge (RFC 7636 §4.2). */
  codeChallenge: string;
  /** The DPoP key pair the code is bound to (RFC 9449 §10), when the provider supports DPoP. */
  dpopKey?: CryptoKeyPair | undefined;
  /** The key's JWK thumbprint, sent as `dpop_jkt`. */
  dpopJkt?: string | undefined;
}

/**
 * Makes the secrets of a login: a new PKCE verifier and its challenge, and, with `dpopKey` (a new
 * key, see {@link createDpopKey}), that key's thumbprint.
 */
export async function createLoginSecrets(config: ResolvedConfig, dpopKey?: CryptoKeyPair): Promise<LoginSecrets> {
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const [codeChallenge, dpopJkt] = await Promise.all([oauth.calculatePKCECodeChallenge(codeVerifier), dpopHandle(config, dpopKey)?.calculateThumbprint()]);
  return { codeVerifier, codeChallenge, dpopKey, dpopJkt };
}

/**
 * Builds an authorization request (RFC 6749 §4.1.1 with an RFC 7636 S256 challenge, and an OIDC
 * nonce when `openid` is asked) and the transaction record to store before navigating. With `par`,
 * or when the provider sets `require_pushed_authorization_requests`, the parameters are pushed
 * first and the URL carries only `client_id` and `request_uri` (RFC 9126).
 *
 * @throws {PkceLoginError} `invalid_config` when the provider has no
 *   `pushed_authorization_request_endpoint` for a push; a failed push rejects with oauth4webapi's
 *   or fetch's error, which {@link toPkceLoginError} names as for the token endpoint
 * @see https://www.rfc-editor.org/rfc/rfc7636 §4
 * @see https://www.rfc-editor.org/rfc/rfc9126
 */
export async function createAuthorizationRequest(
  config: ResolvedConfig,
  options: AuthorizationRequestOptions,
): Promise<{ url: URL; record: TransactionRecord }> {
  const { metadata } = options;
  const openid = isOpenid(config);
  const maxAge = maxAgeOf(options.authorizationParams?.['max_age']);
  // Responses are read from the query only (see callback-url.ts): no other mode may be asked for.
  const responseMode = options.authorizationParams?.['response_mode'];
  if (responseMode != null && responseMode !== 'query') {
    throw invalid('authorizationParams.response_mode', 'must be query, the only response mode the element reads', responseMode);
  }
  const { codeVerifier, codeChallenge, dpopKey, dpopJkt } = options.secrets ?? (await createLoginSecrets(config));
  const state = (options.statePrefix ?? '') + oauth.generateRandomState();
  const nonce = openid ? oauth.generateRandomNonce() : undefined;

  const url = new URL(metadata.authorization_endpoint!);
  const params = url.searchParams;
  const all: AuthorizationParams = {
    scope: config.scope,
    audience: config.audience,
    organization: config.organization,
    // `ui-locales="off"`: none of the element's own (django-oauth-toolkit 1.7 fails on any).
    ui_locales: config.uiLocales ? options.uiLocales : undefined,
    ...options.authorizationParams,
    // As checked, and kept in the record: what the ID token's auth_time is held to.
    max_age: maxAge,
    // The element's own, over any value the page gave (an undefined `nonce` or `dpop_jkt` too);
    // never a `request` or `request_uri` from the page.
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    state,
    nonce,
    code_challenge: codeChallenge,
    code_challenge_method: 'S256',
    dpop_jkt: dpopJkt,
    request: null,
    request_uri: null,
  };
  setParams(params, all);
  // RFC 8707 §2: a `resource` for each API that names one; its tokens come with the refresh token.
  for (const { resource } of config.apis) if (resource && !params.getAll('resource').includes(resource)) params.append('resource', resource);
  // Each is checked against the ID token: none without `openid`.
  const unchecked = !openid && ['max_age', 'acr_values', 'organization'].find((name) => all[name] != null);
  if (unchecked) throw invalid(unchecked, 'needs the "openid" scope: it is checked against the ID token');
  const { acr_values: acr, organization } = all;
  const asked: Asked = {
    maxAge,
    acrValues: acr == null ? undefined : String(acr).split(' '),
    organization: organization == null ? undefined : String(organization),
  };
  if (config.par || metadata.require_pushed_authorization_requests) {
    if (!metadata.pushed_authorization_request_endpoint) {
      throw config.par
        ? invalid('par', 'is set, but the provider lists no pushed_authorization_request_endpoint')
        : new PkceLoginError(
            'invalid_config',
            'the provider requires pushed authorization requests ("par") but lists no pushed_authorization_request_endpoint',
          );
    }
    // RFC 9126 §2. dpop_jkt, pushed with the rest, binds the code to the DPoP key (RFC 9449 §10.1).
    const { request_uri } = await oauth.processPushedAuthorizationResponse(
      metadata,
      client(config),
      await oauth.pushedAuthorizationRequest(metadata, client(config), oauth.None(), params, transport(config, 'PAR')),
    );
    // Only the reference: any query of the endpoint itself was pushed with the rest.
    url.search = '';
    setParams(params, { client_id: config.clientId, request_uri });
  }

  const createdAt = Date.now();
  const record: TransactionRecord = {
    version: 1,
    state,
    codeVerifier,
    nonce,
    issuer: config.issuer,
    clientId: config.clientId,
    redirectUri: config.redirectUri,
    metadata,
    returnTo: options.returnTo,
    dpopKey,
    ...asked,
    createdAt,
    expiresAt: createdAt + TRANSACTION_TTL_MS,
  };
  return { url, record };
}

/**
 * Validates the authorization response against its transaction: RFC 9207 `iss` (a mismatch, or
 * no `iss` while the provider advertises it), then a provider `error`.
 *
 * @returns the validated parameters, to pass to {@link exchangeCode}
 * @throws {PkceLoginError} `iss_mismatch`, or the provider's error code with its description
 * @see https://www.rfc-editor.org/rfc/rfc9207 §2.4
 */
export function validateCallback(record: TransactionRecord, params: URLSearchParams): URLSearchParams {
  try {
    return oauth.validateAuthResponse(record.metadata, { client_id: record.clientId }, params, record.state);
  } catch (cause) {
    if (cause instanceof oauth.OperationProcessingError && cause.message.includes('"iss"')) {
      throw new PkceLoginError('iss_mismatch', `${cause.message}; expected ${record.metadata.issuer}`, undefined, cause);
    }
    throw toPkceLoginError(cause);
  }
}

/** A DPoP handle (RFC 9449) for sender-constrained tokens, when the provider supports DPoP. */
export type DPoPHandle = oauth.DPoPHandle;

/**
 * Creates the DPoP handle for a key pair; `undefined` without a usable key pair.
 * @see https://www.rfc-editor.org/rfc/rfc9449
 */
export function dpopHandle(config: ResolvedConfig, keyPair: CryptoKeyPair | undefined): DPoPHandle | undefined {
  // A key pair read back from a store that cannot hold keys (JSON) is not one.
  return keyPair?.privateKey instanceof CryptoKey ? oauth.DPoP(client(config), keyPair) : undefined;
}

/** Runs a DPoP-protected request, once more when the server asks for a fresh `DPoP-Nonce`. */
async function withNonceRetry<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (!oauth.isDPoPNonceError(error)) throw error;
    return request();
  }
}

/**
 * The longest access token lifetime believed, in seconds: one year. A larger `expires_in` (any
 * finite JSON number passes oauth4webapi, 1e308 included) is clamped to it, so that `expiresAt`
 * stays a real date (never `Infinity`, which JSON turns into `null`) and renewal timers stay
 * sane. A token meant to live longer is renewed, or the session ends, after a year.
 */
export const MAX_EXPIRES_IN_S = 365 * 24 * 3600;

/**
 * Refuses an access token that is not DPoP-bound in answer to a DPoP-proofed token request.
 *
 * RFC 9449 §5: a provider may issue a Bearer token to a DPoP request, and "the client MUST
 * discard the response in this case if this protection is deemed important for the security of
 * the application". The element deems it so: it uses DPoP whenever the provider advertises it,
 * and its security model (README, docs/threat-model.md) promises that the tokens are then bound
 * to a non-extractable key, so that a stolen token is useless elsewhere. Accepting a Bearer token
 * would silently break that promise (and `fetch()` would send it with a DPoP proof). Refused as
 * `invalid_response`; the fix is on the provider (enable DPoP-bound tokens for the client).
 */
function requireBinding(result: oauth.TokenEndpointResponse, dpop: DPoPHandle | undefined): void {
  if (dpop && result.token_type !== 'dpop') {
    throw new PkceLoginError(
      'invalid_response',
      `the provider answered a DPoP-proofed token request with a Bearer token (token_type "${result.token_type}"): the access token is not bound to this browser's DPoP key (RFC 9449 §5), so it is refused`,
    );
  }
}

/**
 * The body of a successful token response without `token_type`, read as `Bearer` when no DPoP
 * proof was sent; any other body as it is.
 *
 * RFC 6749 §5.1 requires `token_type`, and oauth4webapi refuses a response without it; some
 * providers omit it all the same (OpenAuth 0.4). Without DPoP the element can only use the access
 * token as a Bearer token (RFC 6750) and would send it so whatever the response said, so nothing
 * is lost by assuming it; every other check stays oauth4webapi's. With DPoP the response is left
 * as it is and refused (`invalid_response`): nothing in it says the token is bound to the key
 * (RFC 9449 §5, see {@link requireBinding}). Done on the bytes {@link boundedFetch} has read, so
 * the response is not read twice.
 */
function bearerByDefault(status: number, body: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  if (status !== 200) return body;
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return body;
  }
  if (!json || typeof json !== 'object' || Array.isArray(json) || 'token_type' in json) return body;
  return new TextEncoder().encode(JSON.stringify({ ...json, token_type: 'Bearer' }));
}

/** The {@link TokenSet} of a token endpoint response; `previous` supplies what a refresh omits. */
function tokenSet(config: ResolvedConfig, result: oauth.TokenEndpointResponse, claims: Record<string, unknown>, previous?: TokenSet): TokenSet {
  const receivedAt = Date.now();
  return {
    accessToken: result.access_token,
    tokenType: result.token_type === 'dpop' ? 'DPoP' : 'Bearer',
    expiresAt: receivedAt + Math.min(result.expires_in ?? 3600, MAX_EXPIRES_IN_S) * 1000,
    receivedAt,
    scope: result.scope ?? previous?.scope ?? config.scope,
    idToken: result.id_token ?? previous?.idToken,
    // Rotation: a new refresh token replaces the old one; without one, the old one stays valid.
    refreshToken: result.refresh_token ?? previous?.refreshToken,
    claims,
  };
}

/**
 * Exchanges the code (RFC 6749 §4.1.3, with the PKCE verifier) and validates the ID token (OIDC
 * Core §3.1.3.7: `iss`, `aud`, `azp`, `exp`, `iat`, `nonce`, signing algorithm; never `alg: none`).
 * The claims are the ID token's: {@link withUserinfo} completes them.
 *
 * @param dpop binds the tokens to a DPoP key (RFC 9449) when given
 * @throws {PkceLoginError} provider codes (`invalid_grant` …), `network_error`,
 *   `invalid_response`, `id_token_invalid`, `clock_skew`
 */
export async function exchangeCode(
  config: ResolvedConfig,
  record: TransactionRecord,
  callbackParams: URLSearchParams,
  dpop?: DPoPHandle,
): Promise<TokenSet> {
  const as = record.metadata;
  const c = client(config);
  const context: TokenContext = { maxAge: record.maxAge };
  try {
    const result = await withNonceRetry(async () => {
      const response = await oauth.authorizationCodeGrantRequest(as, c, oauth.None(), callbackParams, record.redirectUri, record.codeVerifier, {
        ...transport(config, 'token', dpop),
        DPoP: dpop,
      });
      context.providerNow = providerClock(response);
      // With maxAge, oauth4webapi requires auth_time and checks it (OIDC Core §3.1.3.7 item 13).
      return oauth.processAuthorizationCodeResponse(as, c, response, {
        expectedNonce: record.nonce ?? oauth.expectNoNonce,
        requireIdToken: !!record.nonce,
        maxAge: record.maxAge,
      });
    });
    requireBinding(result, dpop);
    const idClaims = oauth.getValidatedIdTokenClaims(result);
    // OIDC Core §3.1.3.7 (10): an ID token fresh from the token endpoint issued in the future
    // beyond the tolerance; whose clock is at fault is for timeError to tell.
    const now = epochSeconds();
    if (idClaims && idClaims.iat - now > config.clockTolerance) {
      throw timeError({ claim: 'iat', claims: idClaims, now, tolerance: config.clockTolerance }, context);
    }
    if (idClaims) checkAsked(record, idClaims);
    return tokenSet(config, result, { ...idClaims });
  } catch (cause) {
    throw toPkceLoginError(cause, context);
  }
}

/**
 * Completes the claims of fresh tokens from the userinfo endpoint, when there is one (OIDC Core
 * §5.3). Plain OAuth 2 (no `openid` scope): UserInfo is OpenID Connect's, so a discovered endpoint
 * is not called (it would refuse the token, or tell nothing); one named by the `userinfo-endpoint`
 * attribute is, the page having asked for it, with no subject to compare. Never fails: an
 * unreachable endpoint, an error, or a response about another subject
 * than the ID token's (§5.3.2: its values must not be used) leaves the ID token claims as they are,
 * and says why on the console.
 */
export async function withUserinfo(config: ResolvedConfig, as: ServerMetadata, tokens: TokenSet, dpop?: DPoPHandle): Promise<TokenSet> {
  if (!as.userinfo_endpoint || !(isOpenid(config) || config.endpoints.userinfo_endpoint)) return tokens;
  const c = client(config);
  const sub = tokens.claims['sub'];
  try {
    const claims = await withNonceRetry(async () =>
      oauth.processUserInfoResponse(
        as,
        c,
        typeof sub === 'string' ? sub : oauth.skipSubjectCheck,
        await oauth.userInfoRequest(as, c, tokens.accessToken, { ...transport(config, 'userinfo'), DPoP: dpop }),
      ),
    );
    return { ...tokens, claims: { ...tokens.claims, ...claims } };
  } catch (error) {
    warn('userinfo', error);
    return tokens;
  }
}

/**
 * Renews the tokens with the refresh token (RFC 6749 §6). A new ID token must be about the same
 * subject (OIDC Core §12.2). With `api`, asks for the token of an API instead: its `resource`
 * (RFC 8707 §2.2), `audience` (Auth0) and `scope` are sent with the grant; the result's `scope`
 * defaults to the one asked for.
 *
 * @throws {PkceLoginError} `invalid_grant` when the refresh token is no longer valid, and the
 *   codes of {@link exchangeCode}
 */
export async function refreshTokens(
  config: ResolvedConfig,
  metadata: ServerMetadata,
  tokens: TokenSet,
  dpop?: DPoPHandle,
  api: ApiTarget = {},
): Promise<TokenSet> {
  const c = client(config);
  const context: TokenContext = {};
  const additionalParameters = new URLSearchParams();
  setParams(additionalParameters, { resource: api.resource, audience: api.audience, scope: api.scope });
  try {
    const result = await withNonceRetry(async () => {
      const response = await oauth.refreshTokenGrantRequest(metadata, c, oauth.None(), tokens.refreshToken!, {
        ...transport(config, 'token', dpop),
        DPoP: dpop,
        additionalParameters,
      });
      context.providerNow = providerClock(response);
      return oauth.processRefreshTokenResponse(metadata, c, response);
    });
    requireBinding(result, dpop);
    const idClaims = oauth.getValidatedIdTokenClaims(result);
    if (idClaims && idClaims.sub !== tokens.claims['sub']) {
      throw new PkceLoginError('id_token_invalid', 'the refreshed ID token is about another subject');
    }
    return tokenSet(config, result, { ...tokens.claims, ...idClaims }, { ...tokens, scope: api.scope ?? tokens.scope });
  } catch (cause) {
    throw toPkceLoginError(cause, context);
  }
}

/**
 * Revokes a token (RFC 7009), best effort: a failure is ignored, since the session is gone here
 * whatever the provider answers. The `revocation-endpoint` attribute, when set, wins over the
 * session's metadata (a session stored before the attribute was added is revoked there too).
 */
export async function revokeToken(config: ResolvedConfig, metadata: ServerMetadata, token: string): Promise<void> {
  const as = { ...metadata, revocation_endpoint: config.endpoints.revocation_endpoint ?? metadata.revocation_endpoint };
  if (!as.revocation_endpoint) return;
  // Best effort: the answer changes nothing here; a failure is only told on the console.
  await oauth.revocationRequest(as, client(config), oauth.None(), token, transport(config, 'revocation')).catch((error: unknown) => warn('revocation', error));
}

/**
 * Calls a protected resource with the access token: `Authorization: Bearer` (RFC 6750), or
 * `Authorization: DPoP` with a proof bound to the token by `ath` (RFC 9449 §7), retrying once
 * with a fresh `DPoP-Nonce` when the resource asks for one. Resolves to the resource's response,
 * error statuses included, and, for a 401 whose challenge (oauth4webapi parses it) is
 * `insufficient_user_authentication`, the step-up it demands (RFC 9470 §3).
 */
export async function resourceFetch(
  request: Request,
  body: ArrayBuffer | null,
  accessToken: string,
  dpop?: DPoPHandle,
): Promise<[Response, StepUpChallenge?]> {
  const url = new URL(request.url);
  const headers = new Headers(request.headers);
  headers.delete('authorization');
  const options = {
    DPoP: dpop,
    signal: request.signal,
    [oauth.allowInsecureRequests]: url.protocol === 'http:' && isLoopbackHost(url.hostname),
  };
  try {
    return [await withNonceRetry(() => oauth.protectedResourceRequest(accessToken, request.method, url, headers, body, options))];
  } catch (error) {
    if (!(error instanceof oauth.WWWAuthenticateChallengeError)) throw error;
    const stepUp = error.status === 401 && error.cause.find((c) => c.parameters.error === 'insufficient_user_authentication')?.parameters;
    const maxAge = stepUp && stepUp['max_age'];
    return [error.response, stepUp ? { ...(stepUp['acr_values'] && { acrValues: stepUp['acr_values'] }), ...(maxAge && { maxAge: +maxAge }) } : undefined];
  }
}

/**
 * Builds the OIDC RP-Initiated Logout URL, or `undefined` when the provider has no
 * `end_session_endpoint`. It carries a new random `state` (optional in the specification; some
 * providers, glewlwyd, return to `post_logout_redirect_uri` only with one), which starts with
 * {@link LOGOUT_STATE_PREFIX}: the caller keeps it to check the return (see
 * `storage/logout-state.ts`).
 *
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html §2
 */
export function endSessionUrl(
  metadata: ServerMetadata,
  options: {
    clientId: string;
    postLogoutRedirectUri: string;
    idToken: string | undefined;
    /** The parameter carrying `postLogoutRedirectUri` (`post-logout-redirect-param`): `logout_uri` for Cognito. */
    redirectParam?: string | undefined;
  },
): URL | undefined {
  if (!metadata.end_session_endpoint) return undefined;
  const url = new URL(metadata.end_session_endpoint);
  setParams(url.searchParams, {
    id_token_hint: options.idToken,
    [options.redirectParam ?? 'post_logout_redirect_uri']: options.postLogoutRedirectUri,
    client_id: options.clientId,
    state: LOGOUT_STATE_PREFIX + oauth.generateRandomState(),
  });
  return url;
}

/** What is known about a token endpoint response beyond its body, to name its failures. */
export interface TokenContext {
  /** The provider's clock when it answered (epoch seconds), when known: see {@link providerClock}. */
  providerNow?: number | undefined;
  /** The `max_age` the login sent, if any. */
  maxAge?: number | undefined;
}

/** This device's clock, in whole epoch seconds (as oauth4webapi reads it). */
function epochSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * The provider's clock when it answered, from the response's `Date` header (RFC 9110 §6.6.1),
 * in epoch seconds; `undefined` when the header is absent, unparseable, or not readable (a
 * cross-origin response shows it to the page only with `Access-Control-Expose-Headers: Date`).
 */
function providerClock(response: Response): number | undefined {
  const date = Date.parse(response.headers.get('date') ?? '');
  return Number.isFinite(date) ? Math.floor(date / 1000) : undefined;
}

/** One failed ID token time check: the claim, the token's claims, this device's time, the tolerance. */
interface TimeCheck {
  claim: 'exp' | 'nbf' | 'iat' | 'auth_time';
  claims: { exp?: number; nbf?: number; iat?: number; auth_time?: number };
  /** This device's time, epoch seconds. */
  now: number;
  tolerance: number;
}

/** Whether `check` passes at the time `t` (epoch seconds), by the same rule oauth4webapi applies. */
function passesAt(check: TimeCheck, t: number, maxAge: number | undefined): boolean {
  const { claims, tolerance } = check;
  switch (check.claim) {
    case 'exp':
      return claims.exp! > t - tolerance;
    case 'nbf':
      return claims.nbf! <= t + tolerance;
    case 'iat':
      return claims.iat! - t <= tolerance;
    case 'auth_time':
      return maxAge !== undefined && claims.auth_time! + maxAge >= t - tolerance;
  }
}

/**
 * Names a failed ID token time check (OIDC Core §3.1.3.7 items 9, 10, 13): `clock_skew` when the
 * device clock is at fault, else `id_token_invalid`, with a message that says which check.
 *
 * The device clock is blamed only on evidence, since nothing else tells a stale token from a
 * clock that is ahead:
 * - with the provider's clock (the `Date` of its token response, when readable): when the two
 *   clocks differ by more than the tolerance and the token passes the same check by the
 *   provider's clock;
 * - without it: only for a token issued in the future (`iat`), which a provider cannot have
 *   issued after this device received it. An expired or not yet valid token, or an old
 *   `auth_time`, is then the token's fault.
 */
function timeError(check: TimeCheck, context: TokenContext, cause?: unknown): PkceLoginError {
  const { claim, claims, now, tolerance } = check;
  const { providerNow, maxAge } = context;
  if (providerNow === undefined ? claim === 'iat' : Math.abs(now - providerNow) > tolerance && passesAt(check, providerNow, maxAge)) {
    // Without the provider's clock, the token's iat stands for it.
    const offset = now - (providerNow ?? claims.iat!);
    return new PkceLoginError(
      'clock_skew',
      `this device's clock is ${Math.abs(offset)} s ${offset > 0 ? 'ahead of' : 'behind'} the provider's (tolerance ${tolerance} s)`,
      undefined,
      cause,
    );
  }
  const why = {
    exp: () => `the ID token expired ${now - claims.exp!} s ago (exp ${claims.exp})`,
    nbf: () => `the ID token is not valid for another ${claims.nbf! - now} s (nbf ${claims.nbf})`,
    iat: () => `the ID token is issued ${claims.iat! - now} s in the future (iat ${claims.iat})`,
    auth_time: () =>
      `the ID token's auth_time says the user authenticated ${now - claims.auth_time!} s ago, longer than max_age=${maxAge} allows`,
  }[claim]();
  const unknownClock = providerNow === undefined ? "; this device's clock could not be compared with the provider's (no readable Date header)" : '';
  return new PkceLoginError('id_token_invalid', `${why} (tolerance ${tolerance} s)${unknownClock}`, undefined, cause);
}

/**
 * Tells the developer, on the console, of a failure that changes nothing for the user (userinfo,
 * revocation), which would otherwise go unnoticed (a CORS refusal …).
 */
function warn(role: Role, error: unknown): void {
  console.warn(`<pkce-login> ignored a ${role} failure: ${toPkceLoginError(error).message}`);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Maps any failure (oauth4webapi's errors, fetch failures, timeouts) onto a
 * {@link PkceLoginError} with a SPEC §6 code. Provider error codes pass through unchanged.
 *
 * @param context what is known of the token endpoint response that failed, if it was one
 */
export function toPkceLoginError(error: unknown, context: TokenContext = {}): PkceLoginError {
  if (error instanceof PkceLoginError) return error;
  // The provider's own error: an authorization error response, an OAuth error body, or a
  // WWW-Authenticate challenge (RFC 6750 §3).
  const oauthError =
    error instanceof oauth.AuthorizationResponseError || error instanceof oauth.ResponseBodyError
      ? error
      : error instanceof oauth.WWWAuthenticateChallengeError
        ? error.cause[0]?.parameters
        : undefined;
  if (oauthError?.error) {
    return new PkceLoginError(oauthError.error, `the provider answered ${oauthError.error}`, oauthError.error_description, error);
  }
  // fetch rejects with a TypeError when a request never completes (offline, CORS, DNS);
  // AbortSignal.timeout aborts with a TimeoutError DOMException.
  if ((error instanceof TypeError && !('code' in error)) || (error instanceof DOMException && /Timeout|Abort/.test(error.name))) {
    return new PkceLoginError('network_error', `provider unreachable (offline, CORS or timeout): ${describe(error)}`, undefined, error);
  }
  const message = describe(error);
  if (error instanceof oauth.OperationProcessingError) {
    const check = error.cause as TimeCheck | undefined;
    if (error.code === oauth.JWT_TIMESTAMP_CHECK && ['exp', 'nbf', 'auth_time'].includes(check?.claim as string)) {
      return timeError(check!, context, error);
    }
    // OIDC Core §3.1.3.7 item 13: max_age was sent, the ID token has no auth_time.
    const claims = (error.cause as { claims?: { auth_time?: unknown } } | undefined)?.claims;
    if (context.maxAge !== undefined && message.includes('"auth_time"') && claims?.auth_time === undefined) {
      return new PkceLoginError('id_token_invalid', `the ID token has no auth_time, which max_age=${context.maxAge} requires`, undefined, error);
    }
  }
  return new PkceLoginError(/JW[ST]|ID Token|"alg"/.test(message) ? 'id_token_invalid' : 'invalid_response', message, undefined, error);
}
