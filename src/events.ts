/**
 * The events `<pkce-login>` dispatches (SPEC §5), their `detail` types, and one factory for each.
 *
 * `token`, `login` and `logout` bubble and are composed, so a listener anywhere up the tree hears
 * them. `error` neither bubbles nor is composed, like the native `error` event: a bubbling one
 * would reach `window.onerror` handlers. `error` is cancelable: one that no listener handled
 * (`preventDefault()`) goes to the console, like an unhandled promise rejection
 * ({@link unheardErrorWarning}).
 *
 * @packageDocumentation
 */

import type { PkceLoginErrorDetail } from './errors.js';
import type { ApiTarget } from './protocol/config.js';

/** `detail` of the `token` event. The refresh token is never part of it. */
export interface TokenEventDetail {
  accessToken: string;
  /** `Bearer`, or `DPoP` for sender-constrained tokens. */
  tokenType: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  scope: string;
  idToken?: string;
  /**
   * The API the token is for (`getAccessToken({ resource, audience, scope })`, an `apis` entry):
   * what was asked for, undefined members left out. Absent for the element's own token.
   */
  api?: ApiTarget;
}

/**
 * The signed-in user's claims: ID token claims merged with userinfo claims. Plain OAuth 2 (a
 * `scope` without `openid`) has neither: `{}` (unless `userinfo-endpoint` names an endpoint).
 */
export interface UserClaims {
  sub?: string;
  name?: string;
  picture?: string;
  email?: string;
  [claim: string]: unknown;
}

/** `detail` of the `login` event. */
export interface LoginEventDetail {
  /** The user's claims, at least `sub`; `{}` in plain OAuth 2 (see {@link UserClaims}). */
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
 * Creates one of the element's events with the bubbling and composition SPEC §5 gives it; `error`
 * is also cancelable: a listener calls `preventDefault()` to say it handled the failure.
 */
export function createPkceLoginEvent<K extends keyof PkceLoginEventMap>(
  type: K,
  detail: PkceLoginEventMap[K]['detail'],
): PkceLoginEventMap[K] {
  // Every event but `error` bubbles and crosses shadow roots.
  const travels = type !== 'error';
  return new CustomEvent(type, { detail, bubbles: travels, composed: travels, cancelable: !travels }) as PkceLoginEventMap[K];
}

/**
 * A code printed as it is: the element's codes and the OAuth registries' are lowercase words
 * joined by `_`. Anything else a provider sent as its `error` could be a token, and is hidden.
 */
const PRINTABLE_CODE = /^[a-z_]{1,64}$/;

/** What the console says for some codes, beyond the message. */
const HINTS: Partial<Record<string, string>> = {
  invalid_config: 'Fix the attribute the message names.',
  discovery_failed: "Copy issuer exactly from the issuer of the provider's discovery document, and check that the provider allows this origin (CORS).",
  network_error: "Check that the provider is up, allows this origin (CORS), and is in the page's CSP connect-src.",
  state_mismatch: 'A used, expired or foreign callback: logging in again works.',
  id_token_invalid: 'Check issuer and client-id.',
  clock_skew: "Set this device's clock, or raise clock-tolerance.",
  insufficient_user_authentication: 'Call el.stepUp(event.detail.challenge), then try again.',
};

/**
 * The one `console.warn` line for an `error` event that no listener handled (none called
 * `preventDefault()`), as browsers print an unhandled rejection: the code, the message and a hint.
 * Never a token: the provider's `description` (free text) is left out and only pointed to, a code
 * that is not a plain word is hidden, and every `secrets` value (the tokens the element holds)
 * and anything shaped like a JWT are cut from what is printed.
 *
 * @param detail the `error` event's detail
 * @param secrets the token values the element holds (empty and absent ones are skipped)
 */
export function unheardErrorWarning(detail: ErrorEventDetail, secrets: readonly (string | undefined)[]): string {
  const printable = PRINTABLE_CODE.test(detail.code);
  const hidden = printable ? secrets : [...secrets, detail.code];
  const hide = (text: string): string =>
    hidden.reduce<string>((out, secret) => (secret ? out.split(secret).join('[hidden]') : out), text).replace(/eyJ[\w-]*\.[\w.-]*/g, '[hidden]');
  const code = printable ? hide(detail.code) : '[hidden]';
  const hint =
    HINTS[detail.code] ??
    (detail.description === undefined ? '' : "The provider's own words are in event.detail.description (not printed here).");
  return (
    `<pkce-login> error not handled: ${code}: ${hide(detail.message).replace(/\.$/, '')}. ${hint}`.trimEnd() +
    ' To handle it, listen for "error" on the element and call event.preventDefault(): that also silences this warning.'
  );
}
