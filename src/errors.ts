/**
 * The error model of `<pkce-login>`: one error class carrying a stable `code`. Provider error
 * codes (`access_denied`, `invalid_grant` …) are passed through unchanged.
 *
 * No DOM, no storage: this module is safe to import anywhere.
 *
 * @packageDocumentation
 */

/**
 * An RFC 9470 step-up challenge: what an API's `WWW-Authenticate: Bearer
 * error="insufficient_user_authentication"` demands.
 */
export interface StepUpChallenge {
  /** Space-separated authentication context class references (`acr_values`), one of which must be met. */
  acrValues?: string;
  /** Seconds: the user must have authenticated at most this long ago (`max_age`). */
  maxAge?: number;
}

/**
 * The codes `<pkce-login>` raises itself (SPEC §6):
 * - `invalid_config`: a required attribute is missing or malformed; the message names it.
 * - `discovery_failed`: provider metadata could not be fetched, or its `issuer` differs from the configured one.
 * - `state_mismatch`: the callback's `state` has no stored transaction (replayed, expired, or another browser).
 * - `iss_mismatch`: the RFC 9207 `iss` check of the authorization response failed.
 * - `network_error`: a request to the provider failed to complete (offline, CORS, timeout).
 * - `invalid_response`: a provider response was malformed.
 * - `id_token_invalid`: the ID token failed validation; the message says which check.
 * - `clock_skew`: the device clock is too far from the provider's for tokens to validate.
 * - `popup_closed`: the user closed the login popup.
 * - `storage_unavailable`: no storage at all could hold the transaction.
 * - `login_required`: there is no valid session (`getAccessToken()` when signed out).
 * - `origin_not_allowed`: `fetch()` was asked to send the access token to an origin not in `api-origins`; nothing was sent.
 * - `missing_refresh_token`: an API's token was asked for, and the session has no refresh token to get it with.
 * - `insufficient_user_authentication`: an API answered `fetch()` with an RFC 9470 step-up challenge (`challenge`).
 */
export type ErrorCode =
  | 'invalid_config'
  | 'discovery_failed'
  | 'state_mismatch'
  | 'iss_mismatch'
  | 'network_error'
  | 'invalid_response'
  | 'id_token_invalid'
  | 'clock_skew'
  | 'popup_closed'
  | 'storage_unavailable'
  | 'login_required'
  | 'origin_not_allowed'
  | 'missing_refresh_token'
  | 'insufficient_user_authentication';

/**
 * A `<pkce-login>` error code: an {@link ErrorCode}, or an OAuth 2 error code sent by the
 * provider (`access_denied`, `invalid_grant` …), passed through unchanged.
 */
export type PkceLoginErrorCode = ErrorCode | (string & {});

/** The shape of an error as the page sees it: the `error` event's `detail`. */
export interface PkceLoginErrorDetail {
  /** Stable, machine-readable code (SPEC §6). */
  code: PkceLoginErrorCode;
  /** What went wrong, in English, for developers. */
  message: string;
  /** The provider's `error_description`, when it sent one. */
  description?: string;
  /** `insufficient_user_authentication`: what the API demands; pass it to `stepUp()`. */
  challenge?: StepUpChallenge;
}

/**
 * An error with a stable `code`. The element reports each failure as an `error` event whose
 * `detail` is {@link PkceLoginError.toDetail}; `getAccessToken()` rejects with it.
 */
export class PkceLoginError extends Error {
  /** Stable, machine-readable code (SPEC §6). */
  readonly code: PkceLoginErrorCode;
  /** The provider's `error_description`, when it sent one. */
  readonly description: string | undefined;
  /** `insufficient_user_authentication`: the API's step-up challenge. */
  challenge: StepUpChallenge | undefined;

  /**
   * @param code an {@link ErrorCode} or the provider's own error code
   * @param message what went wrong, for developers
   * @param description the provider's `error_description`
   * @param cause the underlying error
   */
  constructor(code: PkceLoginErrorCode, message: string, description?: string, cause?: unknown) {
    super(message, { cause });
    // A literal, not this.constructor.name: the minifier renames classes.
    this.name = 'PkceLoginError';
    this.code = code;
    this.description = description;
  }

  /** The plain object sent as the `error` event's `detail`. */
  toDetail(): PkceLoginErrorDetail {
    const { code, message, description, challenge } = this;
    return { code, message, ...(description !== undefined && { description }), ...(challenge && { challenge }) };
  }
}
