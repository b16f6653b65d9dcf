/**
 * The `state` of an RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 §2: optional
 * there, but glewlwyd returns to `post_logout_redirect_uri` only when the request carries one).
 * The element sends a random one, keeps it in this tab's `sessionStorage` (the logout leaves and
 * comes back in the same tab) for ten minutes, and checks it once when the provider sends the
 * browser back with it.
 *
 * A logout `state` starts with {@link LOGOUT_STATE_PREFIX}, so that a returning page tells it
 * from a `state` parameter of the page's own, which is left alone.
 *
 * No network; no DOM beyond the Web Storage object passed in.
 *
 * @packageDocumentation
 */

/** What every logout `state` starts with. */
export const LOGOUT_STATE_PREFIX = 'l.';

/** How long a logout may take before its `state` is forgotten: ten minutes. */
const TTL_MS = 600_000;

const KEY = 'pkce-login:logout:';

/** The client a logout `state` belongs to. */
export interface LogoutOwner {
  issuer: string;
  clientId: string;
}

/** The storage key of `owner`'s logout: one per client, a new logout's replacing the last. */
function keyOf(owner: LogoutOwner): string {
  return `${KEY}${owner.issuer} ${owner.clientId}`;
}

/**
 * Keeps `state` for `owner`, as `<expiry> <state>`. Never throws: without storage the return is
 * reported as not matching (see {@link checkLogoutReturn}), and the logout goes on.
 */
export function saveLogoutState(state: string, owner: LogoutOwner, storage: () => Storage = () => sessionStorage, now = Date.now()): void {
  try {
    storage().setItem(keyOf(owner), `${now + TTL_MS} ${state}`);
  } catch {
    // no storage (disabled, quota): nothing to check the return against
  }
}

/**
 * Checks a page load for the return from `owner`'s logout: `page` is the post-logout redirect URI
 * (origin and path) with one logout `state` ({@link LOGOUT_STATE_PREFIX}) and no authorization
 * response (`code`, `error`). The stored `state` is taken out: it is good once.
 *
 * @returns `true`: the return from a logout `owner` started in this tab; `false`: a logout `state`
 *   that matches none (unknown, used, expired, from another tab, or unreadable storage);
 *   `undefined`: not a logout return for `owner` (no logout `state`, another page, or another
 *   client's logout, left for its element)
 */
export function checkLogoutReturn(
  page: URL,
  owner: LogoutOwner & { postLogoutRedirectUri: string },
  storage: () => Storage = () => sessionStorage,
  now = Date.now(),
): boolean | undefined {
  const expected = new URL(owner.postLogoutRedirectUri);
  const params = page.searchParams;
  const states = params.getAll('state');
  const state = states[0];
  if (
    page.origin !== expected.origin ||
    page.pathname !== expected.pathname ||
    states.length !== 1 ||
    !state!.startsWith(LOGOUT_STATE_PREFIX) ||
    params.has('code') ||
    params.has('error')
  ) {
    return undefined;
  }
  try {
    const s = storage();
    const key = keyOf(owner);
    const [expiresAt, saved] = (s.getItem(key) ?? '').split(' ');
    if (saved === state) {
      s.removeItem(key);
      return Number(expiresAt) > now;
    }
    for (let i = 0; i < s.length; i++) {
      // Another client's logout on this page: left for its element.
      if (s.key(i)?.startsWith(KEY) && s.getItem(s.key(i)!)?.endsWith(` ${state}`)) return undefined;
    }
  } catch {
    // unreadable: matches nothing
  }
  return false;
}
