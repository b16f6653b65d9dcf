/**
 * The login flow of one element (SPEC §1): configuration, discovery prefetch, starting a login
 * (redirect or popup), completing the provider's response with one code exchange per page,
 * logout, and a page restored from the back-forward cache.
 *
 * The element owns its status and its events; this controller reports through
 * {@link LoginFlowCallbacks}.
 *
 * @packageDocumentation
 */

import { isServer, type ReactiveController, type ReactiveControllerHost } from 'lit';
import { PkceLoginError } from '../errors.js';
import type { LogoutReason, TokenEventDetail } from '../events.js';
import { readCallback, replaceAddress, sameOriginUrl, withoutCallbackParams, type CallbackResponse } from '../protocol/callback-url.js';
import { resolveConfig, type ConfigInput, type ResolvedConfig } from '../protocol/config.js';
import {
  createAuthorizationRequest,
  createDpopKey,
  createLoginSecrets,
  discover,
  dpopHandle,
  exchangeCode,
  toPkceLoginError,
  validateCallback,
  supportsDpop,
  withUserinfo,
  type AuthorizationParams,
  type LoginSecrets,
  type ServerMetadata,
} from '../protocol/protocol.js';
import { sessionKey, type Session } from '../session/session-keeper.js';
import { holdLock, lockShared } from '../session/session-sync.js';
import { indexedDbTransactionStore, type TransactionStore } from '../storage/transaction-store.js';
import { fallbackTransactionStore, webStorageTransactionStore } from '../storage/transaction-store-fallback.js';
import { noteIssSupport, otherIssuers, registerRedirect, saveRedirect, saveRedirectWhenIdle } from '../storage/redirect-registry.js';
import { checkLogoutReturn, saveLogoutState } from '../storage/logout-state.js';
import { POPUP_STATE_PREFIX, relayPopupResponse, type PopupController } from './popup-controller.js';
import type { SessionController } from './session-controller.js';

/** Where the element is in its life: reflected as the `status` attribute, for CSS. */
export type PkceLoginStatus = 'loading' | 'signed-out' | 'signing-in' | 'signed-in';

/** What the login flow tells, and asks of, the element. */
export interface LoginFlowCallbacks {
  /** The element's status now. */
  status(): PkceLoginStatus;
  /** Sets the element's status. */
  setStatus(status: PkceLoginStatus): void;
  /** Signed in with the session controller's session: `token`, and `login` when it was signed out. */
  signIn(restored: boolean, returnTo?: string): void;
  /** Signed out: `logout` when it was signed in. */
  signOut(reason: LogoutReason, wasSignedIn: boolean): void;
  /** Tokens usable from now on, before the login completes. */
  token(detail: TokenEventDetail): void;
  /** One failure; `quiet` when nobody asked for the work that failed. */
  error(error: PkceLoginError, quiet?: boolean): void;
  /** Sends the browser to the provider. */
  navigate(url: URL): void;
  /** The element's extra authorization parameters. */
  authorizationParams(): AuthorizationParams;
  /** The UI's language, sent as `ui_locales`. */
  uiLocale(): string | undefined;
}

/** Options of a login. */
export interface LoginOptions {
  /** Merged over the `authorizationParams` property for this login. */
  authorizationParams?: AuthorizationParams;
  /** Same-origin URL the page lands on after the callback; anything else is refused. */
  returnTo?: string;
}

interface PageLogin {
  /** The new session; none when another tab completed the login and stored it. */
  session: Session | undefined;
  returnTo: string | undefined;
}

/** A login's secrets made ahead of its click, for the provider `metadata` describes. */
interface PreparedSecrets {
  metadata: ServerMetadata;
  secrets: Promise<LoginSecrets>;
  /** The secrets, once made. */
  ready?: LoginSecrets;
}

/**
 * A login's secrets (PKCE verifier and challenge; RFC 9449: a new DPoP key for each login, when
 * the provider supports DPoP).
 */
async function newLoginSecrets(config: ResolvedConfig, metadata: ServerMetadata): Promise<LoginSecrets> {
  return createLoginSecrets(config, supportsDpop(metadata) ? await createDpopKey() : undefined);
}

/**
 * Logins completed (or completing) on this page, by client (see {@link sessionKey}), with the
 * authorization response each came from.
 */
const pageLogins = new Map<string, { response: string; login: Promise<PageLogin | undefined> }>();

/** Runs one element's login flow. */
export class LoginFlowController implements ReactiveController {
  readonly #host: ReactiveControllerHost;
  readonly #input: ConfigInput;
  readonly #callbacks: LoginFlowCallbacks;
  readonly #session: SessionController;
  readonly #popup: PopupController;
  #config: ResolvedConfig | undefined;
  #configError: PkceLoginError | undefined;
  #metadataRequest: Promise<ServerMetadata> | undefined;
  /** The next login's secrets, made ahead of the click. */
  #secrets: PreparedSecrets | undefined;
  /** From a login's click to its navigation (or its end): a second login is ignored. */
  #loginUnderWay = false;
  #started = false;
  /** From the first connection to the end of the start. */
  #starting = false;
  /** A configuration property changed while {@link #starting}. */
  #changedWhileStarting = false;
  /** An invitation link's `invitation` and `organization`, for the next login. */
  #invitation: AuthorizationParams | undefined;
  // Server rendering: no store (IndexedDB would be opened at once, in the constructor); no login runs there.
  readonly #transactions: TransactionStore = isServer
    ? { put: () => Promise.reject(new PkceLoginError('storage_unavailable', 'no storage on the server')), consume: () => Promise.resolve(undefined) }
    : fallbackTransactionStore([
        indexedDbTransactionStore,
        // Memory would not survive the redirect: without either store a login is storage_unavailable.
        () => webStorageTransactionStore(() => sessionStorage),
      ]);

  /**
   * @param input the element: its configuration attributes, read at each {@link configure}
   */
  constructor(
    host: ReactiveControllerHost,
    input: ConfigInput,
    session: SessionController,
    popup: PopupController,
    callbacks: LoginFlowCallbacks,
  ) {
    this.#host = host;
    this.#input = input;
    this.#session = session;
    this.#popup = popup;
    this.#callbacks = callbacks;
    host.addController(this);
  }

  hostConnected(): void {
    // Server rendering (a renderer that calls connectedCallback): nothing starts before hydration.
    if (isServer) return;
    globalThis.addEventListener('pageshow', this.#handlePageShow);
    if (this.#started) return;
    this.#started = true;
    this.#starting = true;
    // After the first update, so that properties set right after creation are in place.
    void this.#host.updateComplete.then(() => this.#start());
  }

  hostDisconnected(): void {
    globalThis.removeEventListener('pageshow', this.#handlePageShow);
  }

  /** Why the configuration is invalid, if it is. */
  get configError(): PkceLoginError | undefined {
    return this.#configError;
  }

  /**
   * Resolves the configuration from the element's attributes again: a configuration attribute
   * changed. Stops a pending popup login, and prefetches discovery when signed out.
   */
  reconfigure(): void {
    // While the element starts (restore, callback) the configuration it started with stays; the
    // change is applied once the start is over.
    if (this.#starting) {
      this.#changedWhileStarting = true;
      return;
    }
    // A popup login under way is abandoned: the element is usable again at once.
    if (this.#popup.stop()) this.#settle();
    const config = this.#configure();
    // An attribute set to a bad value is reported as at start: quietly (nobody clicked).
    if (!config) this.#callbacks.error(this.#configError!, true);
    else if (!this.#session.active) this.#prefetchMetadata(config);
    saveRedirectWhenIdle(this.#host);
  }

  /** Starts a login: see `PkceLogin.login`. Reports failures as one `error`; never rejects. */
  async login(options: LoginOptions): Promise<void> {
    const callbacks = this.#callbacks;
    if (callbacks.status() === 'signing-in' || this.#loginUnderWay) return;
    const config = this.#config ?? this.#configure();
    if (!config) return callbacks.error(this.#configError!);
    const returnTo = options.returnTo === undefined ? undefined : sameOriginUrl(options.returnTo, new URL(location.href));
    if (options.returnTo !== undefined && !returnTo) {
      return callbacks.error(new PkceLoginError('invalid_config', `"returnTo" must be on this origin: ${options.returnTo}`));
    }
    // Before any await: the popup needs the user activation of the click.
    const popup = config.mode === 'popup' ? this.#popup.open() : null;
    // A redirect login with its discovery and secrets at hand stores its transaction and leaves in
    // a few milliseconds: it shows its busy view as it leaves, so that no render delays the
    // navigation. One that waits (for discovery, a push, a popup) shows it at once.
    const prepared = this.#secrets;
    const fast = !popup && prepared?.ready !== undefined && !(config.par || prepared.metadata.require_pushed_authorization_requests);
    const signingIn = () => callbacks.status() !== 'signing-in' && callbacks.setStatus('signing-in');
    if (!fast) signingIn();
    this.#loginUnderWay = true;
    // Other tabs must know this issuer uses the redirect URI before its response can arrive:
    // written beside the transaction (a no-op when the start has written it).
    const registered = saveRedirect(this.#host);
    try {
      const metadata = await this.#metadataFor(config);
      const { url, record } = await createAuthorizationRequest(config, {
        metadata,
        authorizationParams: { ...this.#invitation, ...callbacks.authorizationParams(), ...options.authorizationParams },
        uiLocales: callbacks.uiLocale(),
        returnTo: popup ? undefined : returnTo?.href,
        statePrefix: popup ? POPUP_STATE_PREFIX : undefined,
        secrets: await this.#takeSecrets(config, metadata),
      });
      try {
        await this.#transactions.put(record);
      } catch (cause) {
        throw new PkceLoginError('storage_unavailable', 'IndexedDB unavailable', undefined, cause);
      }
      await registered;
      // An invitation is accepted once: it leaves the address, and the next login goes without it.
      if (this.#invitation) {
        this.#invitation = undefined;
        const page = new URL(location.href);
        for (const name of ['invitation', 'organization']) page.searchParams.delete(name);
        replaceAddress(page.href);
      }
      signingIn();
      if (!popup) return callbacks.navigate(url);
      this.#prepareNextSecrets(config);
      this.#popup.wait(record.state, url, {
        // The opener's address stays as it is.
        response: (params) =>
          void this.#completeLogin(config, params).then((login) => (login ? callbacks.signIn(false) : this.#settle())),
        closed: () => {
          this.#settle();
          callbacks.error(new PkceLoginError('popup_closed', 'popup closed'));
        },
      });
    } catch (error) {
      if (popup) this.#popup.stop();
      this.#settle();
      this.#prepareNextSecrets(config);
      callbacks.error(toPkceLoginError(error));
    } finally {
      this.#loginUnderWay = false;
    }
  }

  /**
   * Signs out: forgets the session here and in every tab, reports it, revokes the refresh token,
   * then (unless `local`) sends the browser to the provider's end-session endpoint.
   */
  async logout(local: boolean): Promise<void> {
    const config = this.#config;
    if (!config) return;
    pageLogins.delete(sessionKey(config));
    const ended = await this.#session.end();
    this.#callbacks.signOut('user', ended !== undefined);
    if (!ended) return;
    // No await without a refresh token: the provider's page follows the `logout` event at once.
    const revoking = ended.revoke();
    if (revoking) await revoking;
    const url = !local && ended.endSessionUrl();
    if (!url) return;
    // Checked when the provider sends the browser back (see #startWith).
    saveLogoutState(url.searchParams.get('state')!, config);
    this.#callbacks.navigate(url);
  }

  /** Starts the element once; a configuration change meanwhile is applied at the end. */
  async #start(): Promise<void> {
    try {
      await this.#startWith();
    } finally {
      // Off the restore's and the callback's path: see redirect-registry.ts.
      saveRedirectWhenIdle(this.#host);
      this.#starting = false;
      if (this.#changedWhileStarting) {
        this.#changedWhileStarting = false;
        this.reconfigure();
      }
    }
  }

  async #startWith(): Promise<void> {
    const callbacks = this.#callbacks;
    const config = this.#configure();
    // Changes made before this point are in `config`.
    this.#changedWhileStarting = false;
    if (!config) {
      callbacks.setStatus('signed-out');
      callbacks.error(this.#configError!, true);
      return;
    }
    // Back from the provider's logout with the `state` it was sent (issue 13.3): good once; taken
    // out of the address either way; one that matches no logout of this tab is reported, quietly.
    const page = new URL(location.href);
    // An invitation link (Auth0 Organizations): the next login carries both, to accept it.
    const [invitation, organization] = ['invitation', 'organization'].map((name) => page.searchParams.get(name));
    if (invitation && organization) this.#invitation = { invitation, organization };
    const loggedOut = checkLogoutReturn(page, config);
    if (loggedOut !== undefined) {
      page.searchParams.delete('state');
      replaceAddress(page.href);
      if (!loggedOut) callbacks.error(new PkceLoginError('state_mismatch', 'logout response: its state matches no logout of this tab'), true);
    }
    let callback = readCallback(page, config.redirectUri);
    // In a login popup: the page that opened it completes the login.
    if (callback && relayPopupResponse(callback.params)) callback = undefined;
    // One exchange per callback, shared by every element of this page for the same client
    // (two widgets, or a framework mounting the element twice): the first element to start takes
    // it on, the others wait for its outcome. (Another tab with the same callback is kept apart
    // by the transaction, taken out once, and the lock held over the exchange.)
    const key = sessionKey(config);
    if (callback) {
      const response = callback.params.toString();
      if (response !== pageLogins.get(key)?.response) {
        pageLogins.set(key, { response, login: this.#completeLogin(config, callback.params, callback.location) });
      }
    }
    const login = await pageLogins.get(key)?.login;
    if (login) {
      // The element that completed the login has stored and announced the session already.
      if (login.session ? await this.#session.begin(login.session, false, config) : await this.#session.restore()) {
        callbacks.signIn(!callback, callback && login.returnTo);
        return;
      }
    }
    if (await this.#session.restore()) {
      callbacks.signIn(true);
      return;
    }
    callbacks.setStatus('signed-out');
    this.#prefetchMetadata(config);
  }

  /**
   * Handles the provider's redirect back to this page (SPEC §1.3), or (without `where`) the
   * response a login popup relayed. Reports a failure as an `error` event and resolves to
   * `undefined`.
   *
   * @param where where the response is in this page's address, to remove it from there
   */
  async #completeLogin(
    config: ResolvedConfig,
    params: URLSearchParams,
    where?: CallbackResponse['location'],
  ): Promise<PageLogin | undefined> {
    const callbacks = this.#callbacks;
    callbacks.setStatus('signing-in');
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
        const record = state ? await this.#transactions.consume(state, config) : undefined;
        // null: the login of another element on this page (another client), which reads the
        // response after this one; until then it stays in the address bar.
        if (record !== null && where) replaceAddress(withoutCallbackParams(page, where));
        if (record === undefined && state) underWay = await lockShared(lock);
        if (!record) return record;
        // Mix-up defence (SPEC §8.9, RFC 9700 §4.4.2): without `iss`, only a redirect URI no other
        // issuer uses tells which provider answered. Before any token request.
        if (!params.has('iss')) {
          const others = await otherIssuers([config.redirectUri, record.redirectUri], record.issuer);
          if (others.length > 0) {
            throw new PkceLoginError(
              'iss_mismatch',
              `no "iss" in a response at a redirect URI shared with ${others.join(', ')}: refused (mix-up defence, RFC 9700 §4.4)`,
            );
          }
        }
        const dpop = dpopHandle(config, record.dpopKey);
        const tokens = await exchangeCode(config, record, validateCallback(record, params), dpop);
        const session: Session = { tokens, metadata: record.metadata, dpopKey: dpop && record.dpopKey };
        // The tokens are usable at once (getAccessToken, fetch): `token` goes out before the
        // profile is completed and the session stored; `login` follows when both are done.
        // Filed under this login's client (`config`), never under one the element was configured
        // for since (issue 12, finding 3): the element then takes no part in the login (null).
        if (await this.#session.begin(session, false, config)) callbacks.token(this.#session.tokenDetail()!);
        session.tokens = await withUserinfo(config, record.metadata, tokens, dpop);
        if (!(await this.#session.begin(session, true, config))) return null;
        return { session, returnTo: record.returnTo && sameOriginUrl(record.returnTo, page)?.href };
      });
      if (result === null) return undefined;
      const login = result ?? (underWay && (await this.#session.restore()) ? { session: undefined, returnTo: undefined } : undefined);
      if (!login) {
        throw new PkceLoginError(
          'state_mismatch',
          'no login in progress for this response (used, expired, or from another browser)',
        );
      }
      if (login.returnTo) replaceAddress(login.returnTo);
      return login;
    } catch (error) {
      // Usable at once for a handler of the error; a stored session may still sign it in, and a
      // session kept here (a failed step-up in a popup) stays.
      this.#settle();
      callbacks.error(toPkceLoginError(error));
      return undefined;
    }
  }

  /** Resolves the configuration from the current attributes; remembers the error when invalid. */
  #configure(): ResolvedConfig | undefined {
    this.#metadataRequest = undefined;
    this.#secrets = undefined;
    try {
      const config = resolveConfig(this.#input, new URL(location.href), self.origin);
      if (this.#session.configure(config)) this.#callbacks.signOut('user', true);
      this.#config = config;
      registerRedirect(this.#host, config.redirectUri, config.issuer);
      this.#configError = undefined;
    } catch (error) {
      this.#config = undefined;
      this.#configError = toPkceLoginError(error);
    }
    this.#host.requestUpdate();
    return this.#config;
  }

  /**
   * Starts discovery in the background, then makes the first login's secrets, so that a click
   * navigates without waiting on either.
   */
  #prefetchMetadata(config: ResolvedConfig): void {
    const request = this.#discover(config);
    this.#metadataRequest = request;
    request.catch((error: unknown) => {
      if (this.#metadataRequest !== request) return;
      this.#metadataRequest = undefined;
      // A login waiting on this request reports the failure itself.
      if (this.#callbacks.status() !== 'signing-in') this.#callbacks.error(toPkceLoginError(error), true);
    });
    this.#prepareNextSecrets(config);
  }

  /**
   * Makes the next login's secrets once discovery is known: at the prefetch, and after a login
   * that left the page here (a popup, a failure).
   */
  #prepareNextSecrets(config: ResolvedConfig): void {
    const request = this.#metadataRequest;
    void request?.then(
      (metadata) => {
        if (this.#metadataRequest !== request || this.#secrets) return;
        const secrets = newLoginSecrets(config, metadata);
        const prepared: PreparedSecrets = { metadata, secrets };
        // A failure is met again by the login that takes them, and reported there.
        secrets.then((ready) => (prepared.ready = ready)).catch(() => undefined);
        this.#secrets = prepared;
      },
      () => undefined,
    );
  }

  /** The secrets made ahead for this provider's `metadata`, else new ones: either way, used by one login only. */
  #takeSecrets(config: ResolvedConfig, metadata: ServerMetadata): Promise<LoginSecrets> {
    const prepared = this.#secrets;
    this.#secrets = undefined;
    return prepared?.metadata === metadata ? prepared.secrets : newLoginSecrets(config, metadata);
  }

  #metadataFor(config: ResolvedConfig): Promise<ServerMetadata> {
    return this.#metadataRequest ?? (this.#metadataRequest = this.#discover(config));
  }

  /** Discovery; tells the redirect registry whether the provider sends `iss` (RFC 9207). */
  #discover(config: ResolvedConfig): Promise<ServerMetadata> {
    const request = discover(config);
    void request.then(
      (metadata) => noteIssSupport(this.#host, config.issuer, metadata.authorization_response_iss_parameter_supported === true),
      () => undefined,
    );
    return request;
  }

  /** A page restored from the back-forward cache after leaving for the provider is usable again. */
  readonly #handlePageShow = (event: PageTransitionEvent): void => {
    if (event.persisted && this.#callbacks.status() === 'signing-in') this.#settle();
  };

  /** Signed in with a session, else signed out. */
  #settle(): void {
    this.#callbacks.setStatus(this.#session.active ? 'signed-in' : 'signed-out');
  }
}
