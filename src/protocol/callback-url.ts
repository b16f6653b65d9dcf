/**
 * Recognising an authorization response in the page's address, and removing it from there.
 *
 * A page load is a callback for an element only when the address is that element's redirect URI
 * (same origin and path) and carries `state` with `code` or `error`, in the query or, for
 * `response_mode=fragment`, in the fragment. Any other `?code=` is left alone.
 *
 * Pure: works on URL values; the element applies the result with `history.replaceState`.
 *
 * @packageDocumentation
 */

/** The authorization response parameters removed from the address bar after they are read. */
export const RESPONSE_PARAMS = ['code', 'state', 'iss', 'session_state', 'error', 'error_description', 'error_uri'] as const;

/** An authorization response found in the page's address. */
export interface CallbackResponse {
  /** The response parameters. */
  params: URLSearchParams;
  /** Where they were: the query, or the fragment. */
  location: 'query' | 'fragment';
}

function isResponse(params: URLSearchParams): boolean {
  return params.has('state') && (params.has('code') || params.has('error'));
}

/**
 * Reads an authorization response from `page`, if `page` is the redirect URI and has one.
 *
 * @param page the page's address (`location.href`)
 * @param redirectUri the configured redirect URI
 */
export function readCallback(page: URL, redirectUri: string): CallbackResponse | undefined {
  const expected = new URL(redirectUri);
  if (page.origin !== expected.origin || page.pathname !== expected.pathname) return undefined;
  if (isResponse(page.searchParams)) return { params: new URLSearchParams(page.searchParams), location: 'query' };
  const fragment = new URLSearchParams(page.hash.slice(1));
  if (isResponse(fragment)) return { params: fragment, location: 'fragment' };
  return undefined;
}

/**
 * The page's address without the authorization response parameters; other query parameters and
 * the fragment stay as they were.
 */
export function withoutCallbackParams(page: URL, location: CallbackResponse['location']): string {
  const url = new URL(page);
  const params = location === 'query' ? url.searchParams : new URLSearchParams(url.hash.slice(1));
  for (const name of RESPONSE_PARAMS) params.delete(name);
  // An emptied query or fragment leaves no "?" or "#" behind.
  if (location === 'fragment') url.hash = params.toString();
  return url.href;
}

/**
 * Whether `target` may be used as a post-login destination: a URL on `page`'s origin.
 * Anything else would make the element an open redirector.
 */
export function sameOriginUrl(target: string, page: URL): URL | undefined {
  const url = URL.canParse(target, page) ? new URL(target, page) : undefined;
  return url?.origin === page.origin ? url : undefined;
}
