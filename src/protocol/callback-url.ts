/**
 * Recognising an authorization response in the page's address, and removing it from there.
 *
 * A page load is a callback for an element only when the address is that element's redirect URI
 * (same origin and path) and carries `state` with `code` or `error` in the query. Any other
 * `?code=` is left alone.
 *
 * Only the query: responses are accepted in the response mode the element asked for, and it asks
 * for the code flow's default, `query` (it never sends `response_mode=fragment`, and refuses a
 * page's `response_mode` other than `query`: SPEC §8.9). A `#code=…&state=…` is
 * therefore not read as a response at all: no token request, no event, the address left as it
 * is (it is not the element's), and the transaction of that `state`, if any, stays usable by the
 * real response until it expires. Refusing it with an error instead would let any link to the
 * page with such a fragment show an error, or burn a login in progress.
 *
 * Pure but for {@link replaceAddress}: works on URL values, and the element applies the result
 * with that one function.
 *
 * @packageDocumentation
 */

/** The authorization response parameters removed from the address bar after they are read. */
export const RESPONSE_PARAMS = ['code', 'state', 'iss', 'session_state', 'error', 'error_description', 'error_uri'] as const;

/** An authorization response found in the page's address. */
export interface CallbackResponse {
  /** The response parameters. */
  params: URLSearchParams;
  /** Where they were: always the query (see above). */
  location: 'query';
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
  // Never the fragment: see the module comment.
  return isResponse(page.searchParams) ? { params: new URLSearchParams(page.searchParams), location: 'query' } : undefined;
}

/**
 * The page's address without the authorization response parameters in its query; other query
 * parameters and the fragment stay as they were.
 *
 * @param _location where the response was: always the query (see {@link CallbackResponse})
 */
export function withoutCallbackParams(page: URL, _location: CallbackResponse['location'] = 'query'): string {
  const url = new URL(page);
  // An emptied query leaves no "?" behind.
  for (const name of RESPONSE_PARAMS) url.searchParams.delete(name);
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

/**
 * Replaces the page's address (`history.replaceState`, keeping `history.state`) without ever
 * throwing: the address clean-up must not fail a login whose transaction is already spent.
 * WebKit throws a SecurityError once a page has called `replaceState` 100 times in 10 seconds;
 * the response then stays in the address, harmless: its transaction is gone, so it cannot be
 * used again.
 *
 * @returns whether the address was replaced
 */
export function replaceAddress(url: string): boolean {
  try {
    history.replaceState(history.state, '', url);
    return true;
  } catch {
    return false;
  }
}
