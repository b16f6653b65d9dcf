/**
 * The events `<pkce-login>` dispatches (SPEC §5), their `detail` types, and one factory for each.
 *
 * `token`, `login` and `logout` bubble and are composed, so a listener anywhere up the tree hears
 * them. `error` neither bubbles nor is composed, like the native `error` event: a bubbling one
 * would reach `window.onerror` handlers.
 *
 * @packageDocumentation
 */

import type { PkceLoginErrorDetail } from './errors.js';

/** `detail` of the `token` event. The refresh token is never part of it. */
export interface TokenEventDetail {
  accessToken: string;
  /** `Bearer`, or `DPoP` for sender-constrained tokens. */
  tokenType: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  scope: string;
  idToken?: string;
}

/** The signed-in user's claims: ID token claims merged with userinfo claims. */
export interface UserClaims {
  sub?: string;
  name?: string;
  picture?: string;
  email?: string;
  [claim: string]: unknown;
}

/** `detail` of the `login` event. */
export interface LoginEventDetail {
  user: UserClaims;
  /** True when an existing session was restored rather than a new login completed. */
  restored: boolean;
  /** The same-origin URL given as `login({ returnTo })`, when there was one. */
  returnTo?: string;
}

/**
 * Why the element became signed out: `user` (a logout here), `expired` (the session could no
 * longer be renewed), `other-tab` (a logout in another tab or element), `account-changed`
 * (another tab signed in as another user, or at another issuer: `token` and `login`, with
 * `restored: true`, follow at once for the new user).
 */
export type LogoutReason = 'user' | 'expired' | 'other-tab' | 'account-changed';

/** `detail` of the `logout` event. */
export interface LogoutEventDetail {
  reason: LogoutReason;
}

/** `detail` of the `error` event. */
export type ErrorEventDetail = PkceLoginErrorDetail;

/** The events of `<pkce-login>`, by name. */
export interface PkceLoginEventMap {
  token: CustomEvent<TokenEventDetail>;
  login: CustomEvent<LoginEventDetail>;
  logout: CustomEvent<LogoutEventDetail>;
  error: CustomEvent<ErrorEventDetail>;
}

/**
 * Creates one of the element's events with the bubbling and composition SPEC §5 gives it.
 */
export function createPkceLoginEvent<K extends keyof PkceLoginEventMap>(
  type: K,
  detail: PkceLoginEventMap[K]['detail'],
): PkceLoginEventMap[K] {
  // Every event but `error` bubbles and crosses shadow roots.
  const travels = type !== 'error';
  return new CustomEvent(type, { detail, bubbles: travels, composed: travels }) as PkceLoginEventMap[K];
}
