/**
 * The `<pkce-login>` element class: attributes, state, rendering and the orchestration of the
 * login, callback and logout flows. Protocol steps live in `protocol.ts`, storage in
 * `transaction-store.ts`, configuration rules in `config.ts`.
 *
 * Importing this module registers nothing; `pkce-login.ts` defines the tag.
 *
 * @packageDocumentation
 */

import { h } from './dom.js';
import { ElementBase, type PropertyKind } from './element-base.js';
import { readCallback, sameOriginUrl, withoutCallbackParams, type CallbackResponse } from './callback-url.js';
import { resolveConfig, type ResolvedConfig } from './config.js';
import { PkceLoginError } from './errors.js';
import {
  createPkceLoginEvent,
  type LogoutReason,
  type PkceLoginEventMap,
  type UserClaims,
} from './events.js';
import {
  createAuthorizationRequest,
  createDpopKey,
  discover,
  dpopHandle,
  endSessionUrl,
  exchangeCode,
  resourceFetch,
  revokeToken,
  toPkceLoginError,
  validateCallback,
  withUserinfo,
  type AuthorizationParams,
  type ServerMetadata,
  type TokenSet,
} from './protocol.js';
import { SessionKeeper, sessionKey, type Session, type SessionHost } from './session-keeper.js';
import { holdLock, lockShared } from './session-sync.js';
import { renewalTime } from './renewal-schedule.js';
import { awaitPopup, openPopup, POPUP_STATE_PREFIX, relayPopupResponse } from './popup-login.js';
import { pkceLoginStyles } from './pkce-login.styles.js';
import { message, type PkceLoginMessages } from './messages.js';
import { indexedDbTransactionStore, type TransactionStore } from './transaction-store.js';
import { fallbackTransactionStore, webStorageTransactionStore } from './transaction-store-fallback.js';

/** Where the element is in its life: reflected as the `status` attribute, for CSS. */
export type PkceLoginStatus = 'loading' | 'signed-out' | 'signing-in' | 'signed-in';

export type { PkceLoginMessages };

/** Options of {@link PkceLogin.login}. */
export interface LoginOptions {
  /** Merged over the `authorizationParams` property for this login. */
  authorizationParams?: AuthorizationParams;
  /** Same-origin URL the page lands on after the callback; anything else is refused. */
  returnTo?: string;
}

/** Options of {@link PkceLogin.logout}. */
export interface LogoutOptions {
  /** Only forget the session here; do not visit the provider's end-session endpoint. */
  local?: boolean;
}

/** String properties that configure the element; each has a kebab-case attribute (`clientId` ↔ `client-id`). */
const CONFIG_PROPERTIES = [
  'issuer',
  'domain',
  'clientId',
  'redirectUri',
  'scope',
  'audience',
  'postLogoutRedirectUri',
  'authorizationEndpoint',
  'tokenEndpoint',
  'userinfoEndpoint',
  'endSessionEndpoint',
  'session',
  'refresh',
  'mode',
  'clockTolerance',
  'timeout',
];

interface PageLogin {
  session: Session;
  returnTo: string | undefined;
}

/** Logins completed (or completing) on this page, by client: see {@link sessionKey}. */
const pageLogins = new Map<string, Promise<PageLogin | undefined>>();

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
 * @attr {string} issuer - Provider issuer URL; `https:` except on loopback hosts.
 * @attr {string} domain - Auth0-style shorthand for `issuer="https://<domain>/"`.
 * @attr {string} client-id - The public client's id (required).
 * @attr {string} redirect-uri - Where the provider sends the user back; same origin. Default: the page's origin and path.
 * @attr {string} scope - Space-separated scopes. Default: `openid profile email`.
 * @attr {string} audience - API audience sent with the authorization request (Auth0).
 * @attr {string} post-logout-redirect-uri - Where the provider returns after logout. Default: the redirect URI.
 * @attr {string} authorization-endpoint - Explicit authorization endpoint, for servers without discovery.
 * @attr {string} token-endpoint - Explicit token endpoint, for servers without discovery.
 * @attr {string} userinfo-endpoint - Explicit userinfo endpoint, for servers without discovery.
 * @attr {string} end-session-endpoint - Explicit end-session endpoint, for servers without discovery.
 * @attr {'persistent' | 'memory'} session - `persistent`: the session survives reloads; `memory`: gone on reload. Default: `persistent`.
 * @attr {'on' | 'off'} refresh - `on`: ask for `offline_access` and renew with refresh tokens. Default: `on`.
 * @attr {'redirect' | 'popup'} mode - How the login happens: `redirect`, or `popup` (a popup window; the page never navigates). Default: `redirect`.
 * @attr {boolean} par - Use pushed authorization requests even when not required.
 * @attr {number} clock-tolerance - Seconds of clock skew accepted in token validation. Default: 60.
 * @attr {number} timeout - Milliseconds before a provider request is abandoned. Default: 10000.
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
export class PkceLogin extends ElementBase implements SessionHost {
  static override styles = pkceLoginStyles;

  static override properties: Record<string, PropertyKind> = {
    ...Object.fromEntries(CONFIG_PROPERTIES.map((name) => [name, 'string'])),
    par: 'boolean',
    authorizationParams: 'object',
    messages: 'object',
  };

  /** Provider issuer URL; endpoints come from its discovery document. `https:` except on loopback hosts. */
  declare issuer?: string;

  /** Auth0-style shorthand: `domain="x.eu.auth0.com"` means `issuer="https://x.eu.auth0.com/"`. */
  declare domain?: string;

  /** The public client's id, as registered at the provider (required). */
  declare clientId?: string;

  /** Where the provider sends the user back; same origin as the page. Default: the page's origin and path. */
  declare redirectUri?: string;

  /** Space-separated scopes. Default: `openid profile email`. */
  declare scope?: string;

  /** API audience sent with the authorization request (Auth0). */
  declare audience?: string;

  /** Where the provider returns after logout. Default: the redirect URI. */
  declare postLogoutRedirectUri?: string;

  /** Explicit authorization endpoint, for servers without discovery. */
  declare authorizationEndpoint?: string;

  /** Explicit token endpoint, for servers without discovery. */
  declare tokenEndpoint?: string;

  /** Explicit userinfo endpoint, for servers without discovery. */
  declare userinfoEndpoint?: string;

  /** Explicit end-session endpoint, for servers without discovery. */
  declare endSessionEndpoint?: string;

  /** `persistent`: the session survives reloads; `memory`: gone on reload. Default: `persistent`. */
  declare session?: string;

  /** `on`: ask for `offline_access` and renew with refresh tokens; `off`: never. Default: `on`. */
  declare refresh?: string;

  /** `redirect`, or `popup`: sign in inside a popup window, without leaving the page. Default: `redirect`. */
  declare mode?: string;

  /** Use pushed authorization requests even when the provider does not require them. */
  par = false;

  /** Seconds of clock skew accepted in token validation. Default: 60. */
  declare clockTolerance?: number | string;

  /** Milliseconds before a provider request is abandoned with `network_error`. Default: 10000. */
  declare timeout?: number | string;

  /** Extra authorization request parameters (`prompt`, `login_hint`, `organization`, `max_age` …). */
  authorizationParams: AuthorizationParams = {};

  /** Overrides for any UI string (a partial {@link PkceLoginMessages}); the rest follow `lang`. */
  messages: Partial<PkceLoginMessages> = {};

  private __status: PkceLoginStatus = 'loading';
  private __configError: PkceLoginError | undefined;
  private __keeper: SessionKeeper | undefined;
  private __loginButton: HTMLButtonElement | undefined;
  private __profile: HTMLDivElement | undefined;
  private __live: HTMLSpanElement | undefined;

  private __config: ResolvedConfig | undefined;
  private __metadataRequest: Promise<ServerMetadata> | undefined;
  private __started = false;
  private __lastToken: string | undefined;
  /** Stops waiting for the response of the last popup login. */
  private __stopPopup: (() => void) | undefined;
  private readonly __transactions: TransactionStore = fallbackTransactionStore([
    indexedDbTransactionStore,
    // Memory would not survive the redirect: without either store a login is storage_unavailable.
    () => webStorageTransactionStore(() => sessionStorage),
  ]);

  /** `loading`, `signed-out`, `signing-in` or `signed-in`; reflected as the `status` attribute. */
  get status(): PkceLoginStatus {
    return this.__status;
  }

  /** The signed-in user's claims (ID token claims merged with userinfo), or `null`. */
  get user(): UserClaims | null {
    return (this.__session?.tokens.claims as UserClaims | undefined) ?? null;
  }

  private get __session(): Session | undefined {
    return this.__keeper?.session;
  }

  /** True when signed in. */
  get authenticated(): boolean {
    return this.__status === 'signed-in';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    globalThis.addEventListener?.('pageshow', this.__handlePageShow);
    this.setAttribute('status', this.__status);
    this.__keeper?.open();
    if (this.__started) return;
    this.__started = true;
    // Wait for the first update so that properties set right after creation are in place.
    void this.updateComplete.then(() => this.__start());
  }

  disconnectedCallback(): void {
    globalThis.removeEventListener?.('pageshow', this.__handlePageShow);
    this.__keeper?.close();
  }

  protected override __propertyChanged(name: string): void {
    // Every property but the UI strings and the extra parameters configures the element.
    if (this.__status !== 'loading' && name !== 'messages' && name !== 'authorizationParams') {
      this.__configure();
      if (this.__config && !this.__session) this.__prefetchMetadata(this.__config);
    }
  }

  /**
   * Starts a login: stores a transaction, then navigates to the provider. With `mode="popup"`
   * the login happens in a popup and this page stays where it is (`returnTo` is not applied);
   * a blocked popup falls back to the redirect.
   * Failures are reported as one `error` event; the promise never rejects.
   */
  async login(options: LoginOptions = {}): Promise<void> {
    if (this.__status === 'signing-in') return;
    const config = this.__config ?? this.__configure();
    if (!config) {
      this.__emitError(this.__configError!);
      return;
    }
    const returnTo = options.returnTo === undefined ? undefined : sameOriginUrl(options.returnTo, new URL(location.href));
    if (options.returnTo !== undefined && !returnTo) {
      this.__emitError(new PkceLoginError('invalid_config', `"returnTo" must be on this origin: ${options.returnTo}`));
      return;
    }
    // Before any await: the popup needs the user activation of the click.
    const popup = config.mode === 'popup' ? openPopup() : null;
    // A new login stops waiting for an older popup's response.
    this.__stopPopup?.();
    this.__setStatus('signing-in');
    try {
      const metadata = await this.__metadataFor(config);
      const { url, record } = await createAuthorizationRequest(config, {
        metadata,
        authorizationParams: { ...this.authorizationParams, ...options.authorizationParams },
        uiLocales: this.__uiLocale(),
        returnTo: popup ? undefined : returnTo?.href,
        statePrefix: popup ? POPUP_STATE_PREFIX : undefined,
        // RFC 9449: a new key for each login, when the provider supports DPoP.
        dpopKey: metadata.dpop_signing_alg_values_supported?.includes('ES256') ? await createDpopKey() : undefined,
      });
      try {
        await this.__transactions.put(record);
      } catch (cause) {
        throw new PkceLoginError('storage_unavailable', 'IndexedDB unavailable', undefined, cause);
      }
      if (!popup) return this.navigate(url);
      this.__stopPopup = awaitPopup(
        popup,
        record.state,
        url,
        // The opener's address stays as it is.
        async (params) => ((await this.__completeLogin(config, params)) ? this.__signIn(false) : this.__settle()),
        () => {
          this.__settle();
          this.__emitError(new PkceLoginError('popup_closed', 'popup closed'));
        },
      );
    } catch (error) {
      popup?.close();
      this.__settle();
      this.__emitError(toPkceLoginError(error));
    }
  }

  /**
   * Signs out: forgets the session here, emits `logout`, then (unless `local`) visits the
   * provider's end-session endpoint (OIDC RP-Initiated Logout) when it has one.
   * The promise never rejects.
   */
  async logout(options: LogoutOptions = {}): Promise<void> {
    const config = this.__config;
    if (!config) return;
    pageLogins.delete(sessionKey(config));
    const session = await this.__keeper?.end();
    this.__signOut('user', session !== undefined);
    if (!session) return;
    const { tokens, metadata } = session;
    if (tokens.refreshToken) await revokeToken(config, metadata, tokens.refreshToken);
    const url = !options.local && endSessionUrl(metadata, {
      clientId: config.clientId,
      postLogoutRedirectUri: config.postLogoutRedirectUri,
      idToken: tokens.idToken,
    });
    if (url) this.navigate(url);
  }

  /**
   * Resolves to a valid access token. Rejects with a {@link PkceLoginError} (`login_required`)
   * when signed out or when the token has expired.
   */
  async getAccessToken(): Promise<string> {
    const current = this.__session?.tokens;
    if (current?.refreshToken && renewalTime(current.receivedAt, current.expiresAt) <= Date.now()) {
      await this.__keeper!.renew().catch(() => undefined);
    }
    const tokens = this.__session?.tokens;
    if (!tokens || tokens.expiresAt <= Date.now()) {
      throw new PkceLoginError('login_required', 'not signed in, or the session has expired');
    }
    return tokens.accessToken;
  }

  /**
   * `fetch` with the access token: `Authorization: Bearer`, or `DPoP` with a fresh proof for
   * DPoP-bound tokens (the key never leaves the element). On a 401 the token is renewed and the
   * request sent once more. Rejects like {@link PkceLogin.getAccessToken} when signed out.
   */
  async fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    const body = request.body ? await request.arrayBuffer() : null;
    const send = async () => resourceFetch(request, body, await this.getAccessToken(), this.__keeper?.dpop());
    const response = await send();
    if (response.status !== 401 || !this.__session?.tokens.refreshToken) return response;
    await this.__keeper!.renew();
    return send();
  }

  /**
   * Sends the browser to `url` (the provider). Component tests override this; pages never need to.
   */
  protected navigate(url: URL): void {
    location.assign(url.href);
  }

  private async __start(): Promise<void> {
    const config = this.__configure();
    if (!config) {
      this.__setStatus('signed-out');
      this.__emitError(this.__configError!, true);
      return;
    }
    let callback = readCallback(new URL(location.href), config.redirectUri);
    // In a login popup: the page that opened it completes the login.
    if (callback && relayPopupResponse(callback.params)) callback = undefined;
    // One exchange per callback, shared by every element of this page for the same client
    // (two widgets, or a framework mounting the element twice).
    const key = sessionKey(config);
    if (callback) pageLogins.set(key, this.__completeLogin(config, callback.params, callback.location));
    const login = await pageLogins.get(key);
    if (login) {
      // The element that completed the login has stored and announced the session already.
      await this.__keeper!.begin(login.session, false);
      this.__signIn(!callback, callback && login.returnTo);
      return;
    }
    if (await this.__keeper!.restore()) {
      this.__signIn(true);
      return;
    }
    this.__setStatus('signed-out');
    this.__prefetchMetadata(config);
  }

  /**
   * Handles the provider's redirect back to this page (SPEC §1.3), or (without `where`) the
   * response a login popup relayed. Reports a failure as an `error` event and resolves to
   * `undefined`.
   *
   * @param where where the response is in this page's address, to remove it from there
   */
  private async __completeLogin(
    config: ResolvedConfig,
    params: URLSearchParams,
    where?: CallbackResponse['location'],
  ): Promise<PageLogin | undefined> {
    this.__setStatus('signing-in');
    const page = new URL(location.href);
    try {
      const states = params.getAll('state');
      const state = states.length === 1 ? states[0]! : '';
      // The transaction is taken out once (an IndexedDB transaction), so one tab completes a
      // callback. It holds a lock meanwhile: a tab that finds the transaction gone while another
      // holds that lock (the same callback URL opened twice) waits for it, then takes the stored
      // session.
      const lock = `callback ${state}`;
      let underWay = false;
      const result = await holdLock(lock, async () => {
        // The store never rejects: an unreadable store is a missing transaction.
        const record = state ? await this.__transactions.consume(state, config) : undefined;
        // null: the login of another element on this page (another client), which reads the
        // response after this one; until then it stays in the address bar.
        if (record !== null && where) history.replaceState(history.state, '', withoutCallbackParams(page, where));
        if (record === undefined && state) underWay = await lockShared(lock);
        if (!record) return record;
        const dpop = dpopHandle(config, record.dpopKey);
        const tokens = await exchangeCode(config, record, validateCallback(record, params), dpop);
        const session: Session = { tokens, metadata: record.metadata, dpopKey: dpop && record.dpopKey };
        // The tokens are usable at once (getAccessToken, fetch): `token` goes out before the
        // profile is completed and the session stored; `login` follows when both are done.
        await this.__keeper!.begin(session, false);
        this.__emitToken(tokens);
        session.tokens = await withUserinfo(config, record.metadata, tokens, dpop);
        await this.__keeper!.begin(session, true);
        return { session, returnTo: record.returnTo && sameOriginUrl(record.returnTo, page)?.href };
      });
      if (result === null) return undefined;
      const login =
        result ??
        (underWay && (await this.__keeper!.restore()) && { session: this.__session!, returnTo: undefined });
      if (!login) {
        throw new PkceLoginError(
          'state_mismatch',
          'no login in progress for this response (used, expired, or from another browser)',
        );
      }
      if (login.returnTo) history.replaceState(history.state, '', login.returnTo);
      return login;
    } catch (error) {
      // Usable at once for a handler of the error; a stored session may still sign it in.
      this.__setStatus('signed-out');
      this.__emitError(toPkceLoginError(error));
      return undefined;
    }
  }


  /** Emits `token` for the keeper's session, and `login` when the element was not signed in. */
  private __signIn(restored: boolean, returnTo?: string): void {
    const { tokens } = this.__session!;
    const wasSignedIn = this.__status === 'signed-in';
    const restoredAtLoad = this.__status === 'loading';
    this.__setStatus('signed-in');
    this.__emitToken(tokens);
    if (wasSignedIn) return;
    // A session found at page load is not news; a completed login or another tab's is.
    if (!restoredAtLoad) this.__announce('signedIn', ' ' + displayName(tokens.claims as UserClaims));
    this.dispatchEvent(
      createPkceLoginEvent('login', { user: tokens.claims as UserClaims, restored, ...(returnTo ? { returnTo } : {}) }),
    );
  }

  /** Emits `token`, once per access token: a completed login announces its tokens early. */
  private __emitToken(tokens: TokenSet): void {
    // Never the refresh token.
    const { accessToken, tokenType, expiresAt, scope, idToken } = tokens;
    if (accessToken === this.__lastToken) return;
    this.__lastToken = accessToken;
    this.dispatchEvent(createPkceLoginEvent('token', { accessToken, tokenType, expiresAt, scope, ...(idToken && { idToken }) }));
  }

  private __signOut(reason: LogoutReason, wasSignedIn: boolean): void {
    if (this.__status !== 'loading') this.__setStatus('signed-out');
    if (!wasSignedIn) return;
    this.__announce('signedOut');
    this.dispatchEvent(createPkceLoginEvent('logout', { reason }));
  }

  /** @internal {@link SessionHost}: a renewal, or another tab's login. */
  __sessionChanged(): void {
    // An element still starting, or completing a callback, signs in at the end of that.
    if (this.__status !== 'signing-in' && this.__status !== 'loading') this.__signIn(true);
  }

  /** @internal {@link SessionHost}: another tab's logout, or an expired session. */
  __sessionEnded(reason: LogoutReason): void {
    this.__signOut(reason, true);
  }

  /** @internal {@link SessionHost}: a renewal that failed and will be tried again. */
  __renewalFailed(error: PkceLoginError): void {
    this.__emitError(error, true);
  }

  /** Resolves the configuration from the current attributes; remembers the error when invalid. */
  private __configure(): ResolvedConfig | undefined {
    this.__metadataRequest = undefined;
    try {
      const config = resolveConfig(this, new URL(location.href));
      const keeper = this.__keeper;
      if (keeper && sessionKey(keeper.config) === sessionKey(config) && keeper.config.session === config.session) {
        keeper.config = config;
      } else {
        if (keeper?.session) this.__signOut('user', true);
        keeper?.close();
        this.__keeper = new SessionKeeper(config, this);
      }
      this.__config = config;
      this.__configError = undefined;
    } catch (error) {
      this.__config = undefined;
      this.__configError = toPkceLoginError(error);
    }
    return this.__config;
  }

  /** Starts discovery in the background so that a click navigates without waiting on it. */
  private __prefetchMetadata(config: ResolvedConfig): void {
    const request = discover(config);
    this.__metadataRequest = request;
    request.catch((error: unknown) => {
      if (this.__metadataRequest !== request) return;
      this.__metadataRequest = undefined;
      // A login waiting on this request reports the failure itself.
      if (this.__status !== 'signing-in') this.__emitError(toPkceLoginError(error), true);
    });
  }

  private __metadataFor(config: ResolvedConfig): Promise<ServerMetadata> {
    return this.__metadataRequest ?? (this.__metadataRequest = discover(config));
  }

  private __uiLocale(): string | undefined {
    return this.__lang() || undefined;
  }

  /** The UI's language: the `lang` of the element or of its nearest ancestor that has one, else the document's. */
  private __lang(): string {
    return (this.closest<HTMLElement>('[lang]') ?? document.documentElement).lang;
  }

  private __setStatus(status: PkceLoginStatus): void {
    this.__status = status;
    this.setAttribute('status', status);
    this.__requestRender();
  }

  /**
   * Emits `error`; announces it too, unless `quiet`: a failure nobody asked for (a configuration
   * error at page load, a discovery prefetch, a background renewal) is no news to the user.
   */
  private __emitError(error: PkceLoginError, quiet?: boolean): void {
    if (!quiet) this.__announce('error');
    this.dispatchEvent(createPkceLoginEvent('error', error.toDetail()));
  }

  /** A page restored from the back-forward cache after leaving for the provider is usable again. */
  private readonly __handlePageShow = (event: PageTransitionEvent): void => {
    if (event.persisted && this.__status === 'signing-in') this.__settle();
  };

  /** Signed in with a session, else signed out. */
  private __settle(): void {
    this.__setStatus(this.__session ? 'signed-in' : 'signed-out');
  }

  /** The UI string `key`: from the `messages` property, else in the UI's language. */
  private __message(key: keyof PkceLoginMessages): string {
    return this.messages[key] ?? message(this.__lang(), key);
  }

  /** Says a message, then `more`, through the polite live region (screen readers read it; nothing shows). */
  private __announce(key: keyof PkceLoginMessages, more = ''): void {
    if (this.__live) this.__live.textContent = this.__message(key) + more;
  }

  /**
   * Shows the Log in button, or the signed-in view, before a visually hidden live region. Nodes
   * are kept across renders, so that a focused button stays focused while the status changes.
   */
  protected override render(root: ShadowRoot): void {
    const live = (this.__live ??= root.appendChild(h('span', { role: 'status' })));
    const user = this.__status === 'signed-in' ? this.user : null;
    let view: HTMLElement;
    if (user) {
      view = this.__profile ??= h(
        'div',
        { part: 'base' },
        h('slot', { name: 'user' }),
        labelledButton('logout', () => void this.logout()),
      );
      const name = displayName(user);
      const picture = avatarUrl(user.picture);
      const initials = h('span', { part: 'initials', 'aria-hidden': 'true' }, initialsOf(name));
      let avatar: Element = initials;
      if (picture) {
        const img = (avatar = h('img', { part: 'avatar', src: picture, alt: '', referrerpolicy: 'no-referrer' }));
        // A picture that fails to load (gone, blocked by the page's policy) gives way to the initials.
        img.onerror = () => img.replaceWith(initials);
      }
      (view.firstChild as HTMLSlotElement).replaceChildren(avatar, h('span', { part: 'user' }, name));
    } else {
      const busy = this.__status === 'loading' || this.__status === 'signing-in';
      const login = (view = this.__loginButton ??= labelledButton('login', () => void this.login()));
      login.disabled = busy || !!this.__configError;
      login.ariaBusy = String(busy);
    }
    const key = user ? 'logout' : 'login';
    view.querySelector(`slot[name=${key}]`)!.textContent = this.__message(key);
    if (view.parentNode !== root) {
      (user ? this.__loginButton : this.__profile)?.remove();
      live.before(view);
    }
  }
}

/** `<button part="button {name}">` whose label is `<slot name="{name}">`, the translated label as its fallback. */
function labelledButton(name: string, onclick: () => void): HTMLButtonElement {
  const button = h('button', { part: `button ${name}`, type: 'button' }, h('slot', { name }));
  button.onclick = onclick;
  return button;
}

/** The name to show: `name`, else `preferred_username`, `email`, `sub`. Always text. */
function displayName(user: UserClaims): string {
  for (const claim of ['name', 'preferred_username', 'email', 'sub']) {
    const value = user[claim];
    if (typeof value === 'string' && value.trim()) return value;
  }
  return '';
}

/** The first letters of the first and last words of a name, upper case: `Ada King Lovelace` → `AL`. */
function initialsOf(name: string): string {
  return (name.match(/^\S|(?<=\s)\S(?=\S*$)/gu) ?? []).join('').toUpperCase();
}

/** The `picture` claim when it is an http(s) or data:image URL; anything else is not shown. */
function avatarUrl(picture: unknown): string | undefined {
  if (typeof picture !== 'string') return undefined;
  return /^(https?:|data:image\/)/i.test(picture) ? picture : undefined;
}

/* Typed events: `el.addEventListener('token', (e) => e.detail.accessToken)` type-checks. */
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
