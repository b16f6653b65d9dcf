/**
 * The test page's address: remember it, put an authorization response into it (as the provider's
 * redirect would), and put it back afterwards.
 */

let original: string | undefined;

/** Remembers the current address; call in `beforeEach`. */
export function rememberAddress(): void {
  original = location.href;
}

/** Puts back the address {@link rememberAddress} saw; call in `afterEach`. */
export function restoreAddress(): void {
  if (original !== undefined) history.replaceState(history.state, '', original);
}

/** Replaces the address bar's URL without navigating. */
export function setAddress(url: string | URL): void {
  history.replaceState(history.state, '', String(url));
}

/**
 * The current page with `extra` query parameters and `hash`: what the page looks like without
 * an authorization response.
 */
export function pageWith(extra: Record<string, string> = {}, hash = ''): URL {
  const url = new URL(location.href);
  for (const [name, value] of Object.entries(extra)) url.searchParams.set(name, value);
  url.hash = hash;
  return url;
}

/** `page` with an authorization response appended to its query. */
export function withResponse(page: URL, response: Record<string, string>): URL {
  const url = new URL(page);
  for (const [name, value] of Object.entries(response)) url.searchParams.append(name, value);
  return url;
}
