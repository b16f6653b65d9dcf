/**
 * The element's signed-in session: one {@link SessionKeeper} per client, listening to the other
 * tabs and renewing on schedule while the element is in the document.
 *
 * The session (tokens, refresh token, DPoP key) lives in a private field of this controller and
 * never leaves it: the element asks for the user's claims, the `token` event's detail, an access
 * token, or a request sent with it. Nothing here returns the refresh token or the DPoP key.
 *
 * @packageDocumentation
 */

import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { PkceLoginError } from '../errors.js';
import type { LogoutReason, TokenEventDetail, UserClaims } from '../events.js';
import type { ApiTarget, ResolvedConfig } from '../protocol/config.js';
import { endSessionUrl, resourceFetch, revokeToken } from '../protocol/protocol.js';
import { SessionKeeper, sessionKey, type Session } from '../session/session-keeper.js';
import { renewalTime } from '../session/renewal-schedule.js';

/** True when two configurations share a session: same issuer, client id and session mode. */
function sameClient(a: ResolvedConfig, b: ResolvedConfig): boolean {
  return sessionKey(a) === sessionKey(b) && a.session === b.session;
}

/** What the session controller tells the element. */
export interface SessionCallbacks {
  /**
   * The session was renewed, or started in another tab or element; `accountChanged` when it is
   * another user's (or issuer's) than the one the element was signed in with.
   */
  changed(accountChanged: boolean): void;
  /** The session ended in another tab, or expired. */
  ended(reason: LogoutReason): void;
  /** A background renewal failed (offline …); it is tried again later. */
  renewalFailed(error: PkceLoginError): void;
  /** A new access token for an API (`detail.api` says which). */
  apiToken?(detail: TokenEventDetail): void;
  /** An API answered `fetch()` with a step-up challenge (`insufficient_user_authentication`). */
  stepUp?(error: PkceLoginError): void;
}

/** A session just forgotten by {@link SessionController.end}: what is left to do at the provider. */
export interface EndedSession {
  /** Revokes the refresh token (RFC 7009); `undefined` when there is none to revoke. */
  revoke(): Promise<void> | undefined;
  /** The provider's end-session URL (OIDC RP-Initiated Logout), when it has one. */
  endSessionUrl(): URL | undefined;
}

/** Keeps the element's session. */
export class SessionController implements ReactiveController {
  #keeper: SessionKeeper | undefined;
  readonly #callbacks: SessionCallbacks;

  constructor(host: ReactiveControllerHost, callbacks: SessionCallbacks) {
    this.#callbacks = callbacks;
    host.addController(this);
  }

  hostConnected(): void {
    this.#keeper?.open();
  }

  hostDisconnected(): void {
    this.#keeper?.close();
  }

  /**
   * Follows a new configuration: the same client and session mode keep their session, any other
   * gets a keeper of its own.
   *
   * @returns whether a session was dropped for another client's
   */
  configure(config: ResolvedConfig): boolean {
    const keeper = this.#keeper;
    if (keeper && sameClient(keeper.config, config)) {
      keeper.config = config;
      return false;
    }
    keeper?.close();
    const callbacks = this.#callbacks;
    // A closure, not this controller, is the keeper's host: nothing public calls into it.
    this.#keeper = new SessionKeeper(config, {
      sessionChanged: (_session, accountChanged) => callbacks.changed(accountChanged),
      sessionEnded: (reason) => callbacks.ended(reason),
      renewalFailed: (error) => callbacks.renewalFailed(error),
    });
    return keeper?.session !== undefined;
  }

  /** True while there is a session. */
  get active(): boolean {
    return this.#keeper?.session !== undefined;
  }

  /** The signed-in user's claims (ID token claims merged with userinfo), or `null`. */
  get user(): UserClaims | null {
    return this.#keeper?.session?.tokens.claims ?? null;
  }

  /** The `token` event's detail for the current tokens: never the refresh token. */
  tokenDetail(): TokenEventDetail | undefined {
    const tokens = this.#keeper?.session?.tokens;
    if (!tokens) return undefined;
    const { accessToken, tokenType, expiresAt, scope, idToken } = tokens;
    return { accessToken, tokenType, expiresAt, scope, ...(idToken && { idToken }) };
  }

  /** Reads the stored session (renewed first when expired); resolves to whether there is one. */
  async restore(): Promise<boolean> {
    return (await this.#keeper?.restore()) !== undefined;
  }

  /**
   * Starts keeping a session that just began here (a completed login); `save` stores and
   * announces it. `config` is the configuration of the login's transaction: a session is always
   * filed under that client. When the element has been configured for another client since (a
   * tenant picker switched the issuer during the login), the session is stored under the login's
   * client (with `save`) and not kept by this element.
   *
   * @returns whether the element keeps the session
   */
  async begin(session: Session, save: boolean, config: ResolvedConfig): Promise<boolean> {
    const keeper = this.#keeper;
    if (keeper && sameClient(keeper.config, config)) {
      await keeper.begin(session, save);
      return true;
    }
    if (save) {
      const other = new SessionKeeper(config, { sessionChanged() {}, sessionEnded() {}, renewalFailed() {} });
      await other.begin(session, true);
      other.close();
    }
    return false;
  }

  /**
   * Resolves to a valid access token, renewed first when due. Rejects with `login_required` when
   * signed out or when the token has expired. With an API `target` that needs a token of its own
   * (a `resource`, a `scope`, or an `audience` other than the element's), that API's token (see
   * `SessionKeeper.apiToken`); a new one is announced (`apiToken`).
   *
   * @param stale an API token its API refused
   */
  async accessToken(target?: ApiTarget, stale?: string): Promise<string> {
    const keeper = this.#keeper;
    const current = keeper?.session?.tokens;
    if (current?.refreshToken && renewalTime(current.receivedAt, current.expiresAt) <= Date.now()) {
      await keeper!.renew().catch(() => undefined);
    }
    const tokens = keeper?.session?.tokens;
    if (!tokens || tokens.expiresAt <= Date.now()) {
      throw new PkceLoginError('login_required', 'not signed in, or the session has expired');
    }
    const { audience } = keeper.config;
    if (!target || !(target.resource || target.scope || (target.audience ?? audience) !== audience)) return tokens.accessToken;
    // What names the API, and nothing else (JSON leaves out what is undefined).
    const api = JSON.parse(JSON.stringify({ resource: target.resource, audience: target.audience, scope: target.scope })) as ApiTarget;
    const [{ accessToken, tokenType, expiresAt, scope }, fresh] = await keeper.apiToken(api, stale);
    if (fresh) this.#callbacks.apiToken?.({ accessToken, tokenType, expiresAt, scope, api });
    return accessToken;
  }

  /**
   * Sends `request` with the access token of the `apis` entry its URL falls under (the longest
   * prefix), else the element's own one (and a DPoP proof for DPoP-bound tokens). On a 401 the
   * token is renewed and the request sent once more; on a step-up challenge (RFC 9470) the
   * response is given back as it is, and `stepUp` told. A request to a URL under no `apis` entry
   * and on an origin not in `api-origins` (its final URL: a `Request`'s, or a relative URL
   * resolved against the document's base URL) is refused with `origin_not_allowed` before
   * anything is sent.
   */
  async fetch(request: Request, body: ArrayBuffer | null): Promise<Response> {
    const config = this.#keeper?.config;
    const url = new URL(request.url);
    const api = config?.apis.find((entry) => `${url.origin}${url.pathname}/`.startsWith(entry.prefix));
    if (config && !api && !config.apiOrigins.includes(url.origin)) {
      throw new PkceLoginError(
        'origin_not_allowed',
        `the access token is sent only to the origins of "api-origins" (${config.apiOrigins.join(' ')}) and the URLs of "apis", not to ${url.origin}`,
      );
    }
    let token = '';
    const send = async (stale?: string) => resourceFetch(request, body, (token = await this.accessToken(api, stale)), this.#keeper?.dpop());
    const [response, challenge] = await send();
    if (challenge) {
      // RFC 9470: a new token would not do; a login that meets the challenge will (`stepUp()`).
      const error = new PkceLoginError('insufficient_user_authentication', `${url.origin} asks for a stronger or more recent authentication: call stepUp(challenge)`);
      error.challenge = challenge;
      this.#callbacks.stepUp?.(error);
      return response;
    }
    const session = this.#keeper?.session;
    if (response.status !== 401 || !session?.tokens.refreshToken) return response;
    // The element's own token is renewed; an API's is asked for anew.
    if (token === session.tokens.accessToken) await this.#keeper!.renew();
    return (await send(token))[0];
  }

  /** Forgets the session here and in every tab; resolves to what is left to do at the provider. */
  async end(): Promise<EndedSession | undefined> {
    const keeper = this.#keeper;
    const session = await keeper?.end();
    if (!keeper || !session) return undefined;
    const { config } = keeper;
    const { tokens, metadata } = session;
    return {
      revoke: () => (tokens.refreshToken ? revokeToken(config, metadata, tokens.refreshToken) : undefined),
      endSessionUrl: () =>
        endSessionUrl(metadata, {
          clientId: config.clientId,
          postLogoutRedirectUri: config.postLogoutRedirectUri,
          idToken: tokens.idToken,
          redirectParam: config.postLogoutRedirectParam,
        }),
    };
  }
}
