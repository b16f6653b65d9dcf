/**
 * Configuration resolution: turns the element's attribute values into one validated,
 * normalised {@link ResolvedConfig}, or throws an `invalid_config` {@link PkceLoginError} that
 * names the attribute at fault.
 *
 * Pure: no DOM, no storage, no network. The page's URL is passed in.
 *
 * @packageDocumentation
 */

import { PkceLoginError } from '../errors.js';

/** The raw values the element holds, as set through attributes or properties. */
export interface ConfigInput {
  issuer?: string | null | undefined;
  domain?: string | null | undefined;
  clientId?: string | null | undefined;
  redirectUri?: string | null | undefined;
  scope?: string | null | undefined;
  audience?: string | null | undefined;
  postLogoutRedirectUri?: string | null | undefined;
  authorizationEndpoint?: string | null | undefined;
  tokenEndpoint?: string | null | undefined;
  userinfoEndpoint?: string | null | undefined;
  endSessionEndpoint?: string | null | undefined;
  revocationEndpoint?: string | null | undefined;
  session?: string | null | undefined;
  refresh?: string | null | undefined;
  mode?: string | null | undefined;
  par?: boolean | null | undefined;
  clockTolerance?: number | string | null | undefined;
  timeout?: number | string | null | undefined;
  apiOrigins?: string | null | undefined;
  /** The `apis` map, or its attribute form: the same map as JSON. */
  apis?: ApiMap | string | null | undefined;
  organization?: string | null | undefined;
  uiLocales?: string | null | undefined;
  postLogoutRedirectParam?: string | null | undefined;
}

/**
 * What the access token of an API needs (any of them): its `resource` (RFC 8707), its
 * `audience` (Auth0), its `scope`. None: the element's own access token.
 */
export interface ApiTarget {
  resource?: string | undefined;
  audience?: string | undefined;
  scope?: string | undefined;
}

/** The `apis` property: API URL prefixes (an origin, optionally a path) to what their token needs. */
export type ApiMap = Record<string, ApiTarget>;

/** One `apis` entry, resolved. */
export interface ApiEntry extends ApiTarget {
  /** Origin and path, ending with `/`: a request URL starting with it (a `/` appended) is this API's. */
  prefix: string;
}

/** Explicit endpoints, for servers without discovery; each overrides the discovered one. */
export interface ExplicitEndpoints {
  authorization_endpoint?: string;
  token_endpoint?: string;
  userinfo_endpoint?: string;
  end_session_endpoint?: string;
  revocation_endpoint?: string;
}

/** A validated configuration. Every URL in it is absolute. */
export interface ResolvedConfig {
  /** The issuer exactly as configured (or derived from `domain`); compared exactly with the provider's. */
  issuer: string;
  clientId: string;
  redirectUri: string;
  postLogoutRedirectUri: string;
  /** Space-separated scopes, with `offline_access` added when refresh is on and `openid` is asked. */
  scope: string;
  audience: string | undefined;
  endpoints: ExplicitEndpoints;
  /** `persistent`: the session survives reloads; `memory`: gone on reload. */
  session: 'persistent' | 'memory';
  refresh: boolean;
  mode: 'redirect' | 'popup';
  par: boolean;
  /** Seconds of clock skew accepted in token validation. */
  clockTolerance: number;
  /** Milliseconds before a provider request is abandoned. */
  timeout: number;
  /** True when the issuer or an explicit endpoint is a plain-`http:` loopback URL (development only). */
  allowHttp: boolean;
  /** The origins `fetch()` sends the access token to (`api-origins`); by default the page's only. */
  apiOrigins: string[];
  /** The `apis` entries, the longest prefix first; their scopes are in {@link scope}. */
  apis: ApiEntry[];
  /** `organization`: sent with every login, and checked in the ID token. */
  organization: string | undefined;
  /** `ui-locales`: whether the UI's language is sent as `ui_locales` (`on`, the default) or not (`off`). */
  uiLocales: boolean;
  /**
   * The end-session request parameter that carries {@link postLogoutRedirectUri}:
   * `post_logout_redirect_uri` (RP-Initiated Logout), or e.g. `logout_uri` for Cognito's `/logout`.
   */
  postLogoutRedirectParam: string;
}

/** The scopes asked for when the `scope` attribute is absent. */
const DEFAULT_SCOPE = 'openid profile email';

/** True for the hosts where plain `http:` is accepted: `localhost`, `127.0.0.1`, `[::1]`. */
export function isLoopbackHost(hostname: string): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(hostname);
}

/** An `invalid_config` error naming `attribute`. */
export function invalid(attribute: string, problem: string, value?: unknown): PkceLoginError {
  // eslint-disable-next-line @typescript-eslint/restrict-template-expressions, @typescript-eslint/no-base-to-string -- whatever the page set, shown as JS prints it
  return new PkceLoginError('invalid_config', `"${attribute}" ${problem}${value === undefined ? '' : `, got "${value}"`}`);
}

function text(value: string | null | undefined): string | undefined {
  return value?.trim() || undefined;
}

/** Parses a provider URL: absolute, `https:` (or `http:` on a loopback host), no credentials. */
function providerUrl(attribute: string, value: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (!secureUrl(url) || url.username || url.password) {
    throw invalid(attribute, 'must be an https: URL (http: only on localhost, 127.0.0.1, [::1])', value);
  }
  return url;
}

function resolveIssuer(input: ConfigInput): string {
  const issuer = text(input.issuer);
  const domain = text(input.domain);
  if (domain !== undefined && !/^[a-z0-9.-]+(:\d+)?$/i.test(domain)) {
    throw invalid('domain', 'must be a host name', domain);
  }
  if (issuer !== undefined && domain !== undefined) throw invalid('domain', `and "issuer" cannot both be set: got "${domain}" and "${issuer}"`);
  const resolved = issuer ?? (domain && `https://${domain}/`);
  if (!resolved) throw invalid('issuer', 'is required (or "domain")');
  const url = providerUrl(issuer ? 'issuer' : 'domain', resolved);
  if (url.search || url.hash) throw invalid('issuer', 'must not have a query or fragment', resolved);
  return resolved;
}

/** A URL on the page's origin, relative to the page; `fallback` when absent. */
function pageUrl(attribute: string, value: string | undefined, page: URL, fallback: string): string {
  if (value === undefined) return fallback;
  const url = URL.canParse(value, page) ? new URL(value, page) : undefined;
  if (url?.origin !== page.origin) throw invalid(attribute, `must be a URL on ${page.origin}`, value);
  url.hash = '';
  return url.href;
}

/**
 * Parses `api-origins`: space-separated origins, each `https:` (or `http:` on a loopback host),
 * written without a path, query or credentials (a trailing `/` is allowed). Absent: the page's
 * origin.
 */
function apiOrigins(value: string | null | undefined, page: URL): string[] {
  const list = text(value);
  if (list === undefined) return [page.origin];
  return list.split(/\s+/).map((entry) => {
    const url = URL.canParse(entry) ? new URL(entry) : undefined;
    if (!secureUrl(url) || url.href !== `${url.origin}/`) {
      throw invalid('api-origins', 'must be origins separated by spaces, https: (http: only on localhost, 127.0.0.1, [::1]), without a path', entry);
    }
    return url.origin;
  });
}

/** An `https:` URL, or `http:` on a loopback host. */
function secureUrl(url: URL | undefined): url is URL {
  return url?.protocol === 'https:' || (url?.protocol === 'http:' && isLoopbackHost(url.hostname));
}

/**
 * Parses `apis`: an object (or its JSON) whose keys are API URLs (an origin, `https:` or `http:`
 * on a loopback host, and optionally a path prefix; no query, fragment or credentials) and whose
 * values give the `resource`, `audience` and `scope` of the API's token, each a string.
 */
function apiEntries(value: ApiMap | string | null | undefined): ApiEntry[] {
  let map = value ?? {};
  try {
    if (typeof map === 'string') map = JSON.parse(map || '{}') as ApiMap;
  } catch {
    throw invalid('apis', 'must be a JSON object', value);
  }
  return Object.entries(map)
    .map(([key, target]) => {
      const url = URL.canParse(key) ? new URL(key) : undefined;
      const { resource, audience, scope } = target ?? {};
      if (!secureUrl(url) || url.username || url.password || url.search || url.hash) {
        throw invalid('apis', 'keys must be https: URLs (http: only on localhost, 127.0.0.1, [::1]) without query or credentials', key);
      }
      if ([resource, audience, scope].some((v) => v !== undefined && typeof v !== 'string') || (resource !== undefined && !URL.canParse(resource))) {
        throw invalid('apis', `"${key}" must have a string audience and scope, and an absolute URI as resource`, JSON.stringify(target));
      }
      return { prefix: url.origin + url.pathname.replace(/\/?$/, '/'), resource, audience, scope: text(scope) };
    })
    .sort((a, b) => b.prefix.length - a.prefix.length);
}

/** `post-logout-redirect-param`: a parameter name, not one the element sends itself. */
function logoutParam(value: string | null | undefined): string {
  const name = text(value) ?? 'post_logout_redirect_uri';
  if (!/^[\w.~-]+$/.test(name) || ['client_id', 'id_token_hint', 'state'].includes(name)) {
    throw invalid('post-logout-redirect-param', 'must be a query parameter name other than client_id, id_token_hint or state', value);
  }
  return name;
}

function oneOf<T extends string>(attribute: string, value: string | null | undefined, allowed: readonly [T, ...T[]]): T {
  const normalised = (text(value) ?? allowed[0]).toLowerCase() as T;
  if (!allowed.includes(normalised)) throw invalid(attribute, `must be ${allowed.join(' or ')}`, value);
  return normalised;
}

function atLeast(attribute: string, value: number | string | null | undefined, fallback: number, min: number): number {
  if (value === null || value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!(parsed >= min) || parsed === Infinity) throw invalid(attribute, `must be a number ≥ ${min}`, value);
  return parsed;
}

/**
 * Validates the element's configuration.
 *
 * @param input the raw attribute / property values
 * @param page the page's URL (`location.href`); the default redirect URI is its origin + path
 * @param origin the page's real origin (`self.origin`), `page`'s by default. In an iframe
 *   sandboxed without `allow-same-origin` the address looks normal while the origin is opaque:
 *   only `self.origin` tells.
 * @returns the resolved configuration
 * @throws {PkceLoginError} `invalid_config`, with a message naming the attribute at fault, or
 *   saying that the page's origin is opaque
 */
export function resolveConfig(input: ConfigInput, page: URL, origin: string = page.origin): ResolvedConfig {
  // An opaque origin serialises as "null" (a data: page, about:srcdoc, a sandboxed iframe): every
  // same-origin check (redirect URI, returnTo, the callback's address) would compare "null" with
  // "null", and storage is not the page's own. A file: page's origin is opaque by the URL
  // Standard, though some browsers (Chromium) show it as "file://". Refused outright.
  if (origin === 'null' || page.origin === 'null' || page.protocol === 'file:' || origin.startsWith('file:')) {
    throw new PkceLoginError(
      'invalid_config',
      'this page has an opaque origin ("null": a file: or data: page, about:srcdoc, or an iframe sandboxed without allow-same-origin), where same-origin checks mean nothing: serve the page from an http(s) origin',
    );
  }
  const issuer = resolveIssuer(input);
  const clientId = text(input.clientId);
  if (!clientId) throw invalid('client-id', 'is required');

  const redirectUri = pageUrl('redirect-uri', text(input.redirectUri), page, page.origin + page.pathname);
  const endpoints: ExplicitEndpoints = {};
  const explicit = {
    authorization_endpoint: input.authorizationEndpoint,
    token_endpoint: input.tokenEndpoint,
    userinfo_endpoint: input.userinfoEndpoint,
    end_session_endpoint: input.endSessionEndpoint,
    revocation_endpoint: input.revocationEndpoint,
  };
  for (const [key, value] of Object.entries(explicit) as [keyof ExplicitEndpoints, string | null | undefined][]) {
    const url = text(value);
    if (url) endpoints[key] = providerUrl(key.replace(/_/g, '-'), url).href;
  }

  const refresh = oneOf('refresh', input.refresh, ['on', 'off']) === 'on';
  const apis = apiEntries(input.apis);
  // Each API's scope is asked for at login: the user consents once, and the refresh token covers it.
  const scopes = new Set([text(input.scope) ?? DEFAULT_SCOPE, ...apis.map((api) => api.scope ?? '')].join(' ').split(/\s+/).filter(Boolean));
  if (refresh && scopes.has('openid')) scopes.add('offline_access');

  return {
    issuer,
    clientId,
    redirectUri,
    postLogoutRedirectUri: pageUrl('post-logout-redirect-uri', text(input.postLogoutRedirectUri), page, redirectUri),
    scope: [...scopes].join(' '),
    audience: text(input.audience),
    endpoints,
    session: oneOf('session', input.session, ['persistent', 'memory']),
    refresh,
    mode: oneOf('mode', input.mode, ['redirect', 'popup']),
    par: !!input.par,
    clockTolerance: atLeast('clock-tolerance', input.clockTolerance, 60, 0),
    timeout: atLeast('timeout', input.timeout, 10_000, 1),
    allowHttp: [issuer, ...(Object.values(endpoints) as string[])].some((url) => url.startsWith('http:')),
    apiOrigins: apiOrigins(input.apiOrigins, page),
    apis,
    organization: text(input.organization),
    uiLocales: oneOf('ui-locales', input.uiLocales, ['on', 'off']) === 'on',
    postLogoutRedirectParam: logoutParam(input.postLogoutRedirectParam),
  };
}
