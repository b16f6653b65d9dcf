/**
 * The `<pkce-login>` element: its attributes, status, events and rendering. The work is done by
 * reactive controllers: the login flow (`controllers/login-flow-controller.ts`), the session
 * (`controllers/session-controller.ts`), popup login (`controllers/popup-controller.ts`) and
 * the UI's language (`controllers/localization-controller.ts`).
 *
 * Importing this module registers nothing; `pkce-login.ts` defines the tag.
 *
 * @packageDocumentation
 */

import { html, LitElement, type PropertyDeclaration, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { LocalizationController } from './controllers/localization-controller.js';
import { LoginFlowController, type LoginOptions, type PkceLoginStatus } from './controllers/login-flow-controller.js';
import { PopupController } from './controllers/popup-controller.js';
import { SessionController } from './controllers/session-controller.js';
import type { PkceLoginError, StepUpChallenge } from './errors.js';
import { createPkceLoginEvent, unheardErrorWarning, type LogoutReason, type PkceLoginEventMap, type TokenEventDetail, type UserClaims } from './events.js';
import { pkceLoginStyles } from './pkce-login.styles.js';
import type { ApiMap, ApiTarget } from './protocol/config.js';
import type { AuthorizationParams } from './protocol/protocol.js';
import type { PkceLoginMessages } from './ui/messages.js';
import { avatarUrl, displayName, initialsOf } from './ui/user-display.js';

export type { LoginOptions, PkceLoginMessages, PkceLoginStatus };

/** The figure shown in place of initials when the user has no name (plain OAuth 2): inline, no request. */
const GENERIC_AVATAR = html`<svg viewBox="0 0 24 24"><circle cx="12" cy="9" r="4.5" /><path d="M3 23a9 8 0 0 1 18 0" /></svg>`;

/** Options of {@link PkceLogin.logout}. */
export interface LogoutOptions {
  /** Only forget the session here; do not visit the provider's end-session endpoint. */
  local?: boolean;
}

/** The properties that configure the element: a change resolves the configuration again. */
const CONFIG_PROPERTIES: ReadonlySet<PropertyKey> = new Set([
  'issuer', 'domain', 'clientId', 'redirectUri', 'scope', 'audience', 'postLogoutRedirectUri', 'authorizationEndpoint',
  'tokenEndpoint', 'userinfoEndpoint', 'endSessionEndpoint', 'session', 'refresh', 'mode', 'par', 'clockTolerance', 'timeout',
  'apiOrigins', 'revocationEndpoint', 'uiLocales', 'postLogoutRedirectParam', 'apis', 'organization',
]);

/**
 * A login button that signs the user in to any OpenID Connect / OAuth 2 provider with the
 * Authorization Code Flow and PKCE, and shows who is signed in.
 *
 * @summary Drop-in OpenID Connect login with PKCE.
 *
 * @fires {CustomEvent<TokenEventDetail>} token - After the code exchange, every renewal, and a restored session (bubbles, composed).
 * @fires {CustomEvent<LoginEventDetail>} login - When the element becomes signed in, after `token` (bubbles, composed).
 * @fires {CustomEvent<LogoutEventDetail>} logout - When the element becomes signed out from signed in (bubbles, composed).
 * @fires {CustomEvent<ErrorEventDetail>} error - Once per failure; neither bubbles nor is composed.
 *
 * @attr {'loading' | 'signed-out' | 'signing-in' | 'signed-in'} status - Reflected, read-only: where the element is, for CSS.
 * @attr {string} lang - Language of the UI and `ui_locales`; inherited from the nearest ancestor with `lang`, else the document's.
 *
 * @slot login - Replaces the Log in button's label.
 * @slot logout - Replaces the Log out button's label.
 * @slot user - Replaces the signed-in avatar and name (read `user` for the claims).
 *
 * @csspart base - The signed-in container.
 * @csspart button - Both buttons.
 * @csspart login - The Log in button.
 * @csspart logout - The Log out button.
 * @csspart user - The signed-in user's name.
 * @csspart avatar - The signed-in user's picture.
 * @csspart initials - The user's initials, in place of a missing or broken picture.
 *
 * @cssproperty [--pkce-login-font=inherit] - Font of the element (the `font` shorthand).
 * @cssproperty [--pkce-login-color=inherit] - Text colour of the signed-in view and the Log out button.
 * @cssproperty [--pkce-login-gap=0.5em] - Space between avatar, name and button.
 * @cssproperty [--pkce-login-accent=light-dark(#1f5fd1, #8ab4f8)] - Log in button and initials background, focus ring.
 * @cssproperty [--pkce-login-on-accent=light-dark(#fff, #0b1d3a)] - Text on the accent: Log in label, initials.
 * @cssproperty [--pkce-login-border=#8888] - Border of the Log out button.
 * @cssproperty [--pkce-login-radius=0.5em] - Corner radius of the buttons.
 * @cssproperty [--pkce-login-padding=0.5em 1em] - Padding of the buttons.
 * @cssproperty [--pkce-login-avatar-size=2em] - Size of the avatar and the initials.
 * @cssproperty [--pkce-login-name-max-width=16em] - Longest name shown before it is cut with an ellipsis.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface at the end of the file
export class PkceLogin extends LitElement {
  static override styles = pkceLoginStyles;

  /**
   * The element's own `lang` re-renders it at once (an ancestor's is observed by the localization controller).
   * @internal
   */
  static override get observedAttributes(): string[] {
    return [...super.observedAttributes, 'lang'];
  }

  /** Provider issuer URL; endpoints come from its discovery document. `https:` except on loopback hosts. */
  @property() issuer?: string;

  /** Auth0-style shorthand: `domain="x.eu.auth0.com"` means `issuer="https://x.eu.auth0.com/"`. */
  @property() domain?: string;

  /** The public client's id, as registered at the provider (required). */
  @property({ attribute: 'client-id' }) clientId?: string;

  /** Where the provider sends the user back; same origin as the page. Default: the page's origin and path. */
  @property({ attribute: 'redirect-uri' }) redirectUri?: string;

  /** Space-separated scopes. Default: `openid profile email`. */
  @property() scope?: string;

  /** API audience sent with the authorization request (Auth0). */
  @property() audience?: string;

  /** Where the provider returns after logout. Default: the redirect URI. */
  @property({ attribute: 'post-logout-redirect-uri' }) postLogoutRedirectUri?: string;

  /**
   * The end-session request parameter that carries the post-logout redirect URI. Default:
   * `post_logout_redirect_uri` (OIDC RP-Initiated Logout); `logout_uri` for Amazon Cognito's
   * `/logout` (named with `end-session-endpoint`).
   */
  @property({ attribute: 'post-logout-redirect-param' }) postLogoutRedirectParam?: string;

  /** Explicit authorization endpoint, for servers without discovery. */
  @property({ attribute: 'authorization-endpoint' }) authorizationEndpoint?: string;

  /** Explicit token endpoint, for servers without discovery. */
  @property({ attribute: 'token-endpoint' }) tokenEndpoint?: string;

  /** Explicit userinfo endpoint, for servers without discovery. */
  @property({ attribute: 'userinfo-endpoint' }) userinfoEndpoint?: string;

  /** Explicit end-session endpoint, for servers without discovery. */
  @property({ attribute: 'end-session-endpoint' }) endSessionEndpoint?: string;

  /**
   * Explicit token revocation endpoint (RFC 7009), for providers whose discovery does not list
   * one; logout revokes the refresh token there.
   */
  @property({ attribute: 'revocation-endpoint' }) revocationEndpoint?: string;

  /** `persistent`: the session survives reloads; `memory`: gone on reload. Default: `persistent`. */
  @property() session?: string;

  /** `on`: ask for `offline_access` and renew with refresh tokens; `off`: never. Default: `on`. */
  @property() refresh?: string;

  /** `redirect`, or `popup`: sign in inside a popup window, without leaving the page. Default: `redirect`. */
  @property() mode?: string;

  /** Use pushed authorization requests even when the provider does not require them. */
  @property({ type: Boolean }) par = false;

  /** Seconds of clock skew accepted in token validation, as written (a number). Default: 60. */
  @property({ attribute: 'clock-tolerance' }) clockTolerance?: number | string;

  /** Milliseconds before a provider request is abandoned with `network_error`, as written (a number). Default: 10000. */
  @property() timeout?: number | string;

  /**
   * Space-separated origins that `fetch()` sends the access token to (`https:`, or `http:` on a
   * loopback host); a request to any other origin is refused with `origin_not_allowed`. Default:
   * the page's origin.
   */
  @property({ attribute: 'api-origins' }) apiOrigins?: string;

  /**
   * The APIs `fetch()` calls, each with what its access token needs: keys are URLs (an origin,
   * optionally a path prefix), values `{ resource?, audience?, scope? }` (RFC 8707 resource,
   * Auth0 audience, scope). A request under an entry (the longest prefix) gets that API's token;
   * entries are allowed besides `api-origins`. The attribute takes the same map as JSON.
   */
  @property() apis?: ApiMap | string;

  /**
   * An organization (Auth0 Organizations) to sign in to: sent as `organization`, and the ID
   * token's `org_id` (a value starting with `org_`) or `org_name` must name it.
   */
  @property() organization?: string;

  /**
   * `on`: send the UI's language to the provider as `ui_locales`; `off`: send none (for providers
   * that fail on it). A `ui_locales` in `authorizationParams` is sent either way. Default: `on`.
   */
  @property({ attribute: 'ui-locales' }) uiLocales?: string;

  /** Extra authorization request parameters (`prompt`, `login_hint`, `organization`, `max_age` …). */
  @property({ attribute: false }) authorizationParams: AuthorizationParams = {};

  /** Overrides for any UI string (a partial {@link PkceLoginMessages}); the rest follow `lang`. */
  @property({ attribute: false }) messages: Partial<PkceLoginMessages> = {};

  /** Where the element is; set only through `#setStatus`, which reflects it at once. */
  @state() private _status: PkceLoginStatus = 'loading';

  /** What the live region says. */
  @state() private _announcement = '';

  /** A picture that failed to load: the initials show instead. */
  @state() private _brokenPicture: string | undefined;

  readonly #localization = new LocalizationController(this);
  readonly #popup = new PopupController(this);
  readonly #session = new SessionController(this, {
    changed: (accountChanged) => {
      // An element still starting, or completing a callback, signs in at the end of that.
      if (this._status === 'signing-in' || this._status === 'loading') return;
      // Another tab signed in as someone else: the page learns that this user left, then who came.
      if (accountChanged && this._status === 'signed-in') this.#signOut('account-changed', true);
      this.#signIn(true);
    },
    ended: (reason) => this.#signOut(reason, true),
    renewalFailed: (error) => this.#emitError(error, true),
    apiToken: (detail) => this.dispatchEvent(createPkceLoginEvent('token', detail)),
    stepUp: (error) => this.#emitError(error, true),
  });
  readonly #flow = new LoginFlowController(this, this, this.#session, this.#popup, {
    status: () => this._status,
    setStatus: (status) => this.#setStatus(status),
    signIn: (restored, returnTo) => this.#signIn(restored, returnTo),
    signOut: (reason, wasSignedIn) => this.#signOut(reason, wasSignedIn),
    token: (detail) => this.#emitToken(detail),
    error: (error, quiet) => this.#emitError(error, quiet),
    navigate: (url) => this.navigate(url),
    authorizationParams: () => this.authorizationParams,
    uiLocale: () => this.#localization.lang || undefined,
  });
  #lastToken: string | undefined;

  /** `loading`, `signed-out`, `signing-in` or `signed-in`; reflected as the `status` attribute. */
  get status(): PkceLoginStatus {
    return this._status;
  }

  /**
   * The signed-in user's claims (ID token claims merged with userinfo), or `null` when signed out.
   * Plain OAuth 2 (a `scope` without `openid`): `{}`, since there is no ID token and no userinfo
   * request (unless `userinfo-endpoint` names one).
   */
  get user(): UserClaims | null {
    return this.#session.user;
  }

  /** True when signed in. */
  get authenticated(): boolean {
    return this._status === 'signed-in';
  }

  /** @internal */
  override connectedCallback(): void {
    super.connectedCallback();
    this.setAttribute('status', this._status);
  }

  /** @internal */
  override attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    super.attributeChangedCallback(name, old, value);
    if (name === 'lang') this.requestUpdate();
  }

  /**
   * A configuration property changed: the configuration is resolved again at once (once started).
   * @internal
   */
  override requestUpdate(name?: PropertyKey, oldValue?: unknown, options?: PropertyDeclaration): void {
    super.requestUpdate(name, oldValue, options);
    if (name !== undefined && CONFIG_PROPERTIES.has(name) && this.hasUpdated) this.#flow.reconfigure();
  }

  /**
   * Starts a login: stores a transaction, then navigates to the provider. With `mode="popup"`
   * the login happens in a popup and this page stays where it is (`returnTo` is not applied);
   * a blocked popup falls back to the redirect.
   * Failures are reported as one `error` event; the promise never rejects.
   */
  login(options: LoginOptions = {}): Promise<void> {
    return this.#flow.login(options);
  }

  /**
   * Signs out: forgets the session here, emits `logout`, then (unless `local`) visits the
   * provider's end-session endpoint (OIDC RP-Initiated Logout) when it has one.
   * The promise never rejects.
   */
  logout(options: LogoutOptions = {}): Promise<void> {
    return this.#flow.logout(options.local === true);
  }

  /**
   * Resolves to a valid access token. Rejects with a {@link PkceLoginError} (`login_required`)
   * when signed out or when the token has expired. With an API's `resource`, `audience` or
   * `scope`, that API's token: the first time from a refresh grant asking for it, then kept in
   * the session until due for renewal; rejects with `missing_refresh_token` when the session has
   * no refresh token.
   */
  getAccessToken(api?: ApiTarget): Promise<string> {
    return this.#session.accessToken(api);
  }

  /**
   * Signs in again to meet an API's step-up challenge (RFC 9470), the `challenge` of an
   * `insufficient_user_authentication` error: a login (popup or redirect, as `mode` says) with
   * its `acr_values` and `max_age`, whose ID token must then carry one of those `acr` and an
   * `auth_time` within `max_age` (else `id_token_invalid`). The promise never rejects.
   */
  stepUp(challenge: StepUpChallenge, options: LoginOptions = {}): Promise<void> {
    const { acrValues, maxAge } = challenge;
    return this.login({
      ...options,
      authorizationParams: { ...options.authorizationParams, ...(acrValues && { acr_values: acrValues }), ...(maxAge !== undefined && { max_age: maxAge }) },
    });
  }

  /**
   * `fetch` with the access token: `Authorization: Bearer`, or `DPoP` with a fresh proof for
   * DPoP-bound tokens (the key never leaves the element); under an `apis` entry, that API's
   * token. On a 401 the token is renewed and the request sent once more; on a step-up challenge
   * (RFC 9470) the 401 is the result, after an `insufficient_user_authentication` error event.
   * Rejects like {@link PkceLogin.getAccessToken} when signed out, and with a
   * {@link PkceLoginError} `origin_not_allowed`, sending nothing, when the request's URL
   * (resolved against the document's base URL) is under no `apis` entry and not on an origin of
   * `api-origins`.
   */
  async fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    return this.#session.fetch(request, request.body ? await request.arrayBuffer() : null);
  }

  /**
   * Sends the browser to `url` (the provider). Component tests override this; pages never need to.
   */
  protected navigate(url: URL): void {
    location.assign(url.href);
  }

  /** Emits `token` for the session, and `login` when the element was not signed in. */
  #signIn(restored: boolean, returnTo?: string): void {
    const user = this.user!;
    const wasSignedIn = this._status === 'signed-in';
    const restoredAtLoad = this._status === 'loading';
    this.#setStatus('signed-in');
    this.#emitToken(this.#session.tokenDetail()!);
    if (wasSignedIn) return;
    // A session found at page load is not news; a completed login or another tab's is.
    const name = displayName(user);
    if (!restoredAtLoad) this.#announce(name ? 'signedIn' : 'signedInNoName', name && ' ' + name);
    this.dispatchEvent(createPkceLoginEvent('login', { user, restored, ...(returnTo ? { returnTo } : {}) }));
  }

  /** Emits `token`, once per access token: a completed login announces its tokens early. */
  #emitToken(detail: TokenEventDetail): void {
    if (detail.accessToken === this.#lastToken) return;
    this.#lastToken = detail.accessToken;
    this.dispatchEvent(createPkceLoginEvent('token', detail));
  }

  #signOut(reason: LogoutReason, wasSignedIn: boolean): void {
    if (this._status !== 'loading') this.#setStatus('signed-out');
    if (!wasSignedIn) return;
    this.#announce('signedOut');
    this.dispatchEvent(createPkceLoginEvent('logout', { reason }));
  }

  /**
   * Emits `error`; announces it too, unless `quiet`: a failure nobody asked for (a configuration
   * error at page load, a discovery prefetch, a background renewal) is no news to the user.
   * An `error` that no listener handled (`preventDefault()`) is one `console.warn`, like an
   * unhandled rejection, with no token in it: see {@link unheardErrorWarning}.
   */
  #emitError(error: PkceLoginError, quiet?: boolean): void {
    if (!quiet) this.#announce('error');
    const detail = error.toDetail();
    if (this.dispatchEvent(createPkceLoginEvent('error', detail))) {
      const held = this.#session.tokenDetail();
      console.warn(unheardErrorWarning(detail, [this.#lastToken, held?.accessToken, held?.idToken]));
    }
  }

  /** Sets the status and reflects it at once, so that CSS and observers see every transition. */
  #setStatus(status: PkceLoginStatus): void {
    this._status = status;
    this.setAttribute('status', status);
  }

  /** Says a message, then `more`, through the polite live region (screen readers read it; nothing shows). */
  #announce(key: keyof PkceLoginMessages, more = ''): void {
    this._announcement = this.#localization.message(key) + more;
  }

  /** The Log in button, or the signed-in view; then a visually hidden live region. */
  protected override render(): TemplateResult {
    const user = this._status === 'signed-in' ? this.user : null;
    return html`${user ? this.#renderSignedIn(user) : this.#renderLogin()}<span role="status">${this._announcement}</span>`;
  }

  #renderLogin(): TemplateResult {
    const busy = this._status === 'loading' || this._status === 'signing-in';
    return html`<button part="button login" type="button" ?disabled=${busy || !!this.#flow.configError}
      aria-busy=${busy ? 'true' : 'false'} @click=${() => void this.login()}><slot name="login">${this.#localization.message('login')}</slot></button>`;
  }

  #renderSignedIn(user: UserClaims): TemplateResult {
    const name = displayName(user);
    const picture = avatarUrl(user.picture);
    // A picture that fails to load (gone, blocked by the page's policy) gives way to the initials;
    // without a name (plain OAuth 2), a generic figure and "Signed in".
    const avatar =
      picture && picture !== this._brokenPicture
        ? html`<img part="avatar" src=${picture} alt="" referrerpolicy="no-referrer" @error=${() => (this._brokenPicture = picture)} />`
        : html`<span part="initials" aria-hidden="true">${initialsOf(name) || GENERIC_AVATAR}</span>`;
    return html`<div part="base"><slot name="user">${avatar}<span part="user">${name || this.#localization.message('signedInNoName')}</span></slot
      ><button part="button logout" type="button" @click=${() => void this.logout()}><slot name="logout">${this.#localization.message('logout')}</slot></button></div>`;
  }
}

/* Typed events: `el.addEventListener('token', (e) => e.detail.accessToken)` type-checks. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- it only narrows inherited methods: no member is left uninitialised
export interface PkceLogin {
  addEventListener<K extends keyof PkceLoginEventMap>(
    type: K,
    listener: (this: PkceLogin, event: PkceLoginEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener<K extends keyof HTMLElementEventMap>(
    type: K,
    listener: (this: PkceLogin, event: HTMLElementEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof PkceLoginEventMap>(
    type: K,
    listener: (this: PkceLogin, event: PkceLoginEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener<K extends keyof HTMLElementEventMap>(
    type: K,
    listener: (this: PkceLogin, event: HTMLElementEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}
