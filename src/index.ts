/**
 * The side-effect-free entry point: the element class, its types, events and errors. Import
 * `pkce-login/pkce-login.js` (or the CDN bundle) to register the `<pkce-login>` tag.
 *
 * @packageDocumentation
 */

export { PkceLogin } from './pkce-login.component.js';
export type { PkceLoginStatus, PkceLoginMessages, LoginOptions, LogoutOptions } from './pkce-login.component.js';
export { PkceLoginError } from './errors.js';
export type { ErrorCode, PkceLoginErrorCode, PkceLoginErrorDetail, StepUpChallenge } from './errors.js';
export type { ApiMap, ApiTarget } from './protocol/config.js';
export type {
  TokenEventDetail,
  LoginEventDetail,
  LogoutEventDetail,
  LogoutReason,
  ErrorEventDetail,
  UserClaims,
  PkceLoginEventMap,
} from './events.js';
export type { AuthorizationParams } from './protocol/protocol.js';
