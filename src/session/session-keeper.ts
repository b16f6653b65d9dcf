/**
 * The life of a signed-in session after the login: kept across reloads (`session="persistent"`),
 * renewed with the refresh token well before the access token expires, shared by every tab of
 * the origin (one renewal at a time under a Web Lock; starts, renewals and ends announced on a
 * BroadcastChannel), and forgotten everywhere at logout.
 *
 * The element owns the UI and the events; this class tells it through {@link SessionHost}.
 *
 * @packageDocumentation
 */

import type { ApiTarget, ResolvedConfig } from '../protocol/config.js';
import { PkceLoginError } from '../errors.js';
import type { LogoutReason } from '../events.js';
import { dpopHandle, refreshTokens, revokeToken, toPkceLoginError, type DPoPHandle, type ServerMetadata, type TokenSet } from '../protocol/protocol.js';
import { RenewalSchedule, renewalTime } from './renewal-schedule.js';
import { indexedDbSessionStore, noSessionStore, type SessionStore, type StoredSession } from '../storage/session-store.js';
import { openSyncChannel, withLock, type SyncMessage } from './session-sync.js';

/** The access token of an API: see {@link SessionKeeper.apiToken}. */
export type ApiToken = Pick<TokenSet, 'accessToken' | 'tokenType' | 'expiresAt' | 'receivedAt' | 'scope'>;

/** A signed-in session. */
export interface Session {
  tokens: TokenSet;
  metadata: ServerMetadata;
  /** The key the tokens are bound to (DPoP); its private half is not extractable. */
  dpopKey?: CryptoKeyPair | undefined;
  /** The access tokens of APIs, by their `resource`, `audience` and `scope` (JSON). */
  apiTokens?: Record<string, ApiToken> | undefined;
}

/** What the session keeper tells the element. */
export interface SessionHost {
  /**
   * The session was renewed, or started in another tab or element: emit `token` (and `login` if
   * signed out). `accountChanged`: it is another user's (or another issuer's) than the session
   * the element was signed in with, whose refresh token is being revoked: `logout` first.
   */
  sessionChanged(session: Session, accountChanged: boolean): void;
  /** The session ended in another tab, or expired: become signed out. */
  sessionEnded(reason: LogoutReason): void;
  /** A renewal failed for a reason other than an ended session (offline …); it is tried again later. */
  renewalFailed(error: PkceLoginError): void;
}

/** The client a session belongs to: issuer and client id. */
export function sessionKey(config: Pick<ResolvedConfig, 'issuer' | 'clientId'>): string {
  return `${config.issuer} ${config.clientId}`;
}

/** True when two sessions are the same user's at the same issuer (`sub` and issuer). */
function sameAccount(a: Session, b: Session): boolean {
  return a.metadata.issuer === b.metadata.issuer && a.tokens.claims['sub'] === b.tokens.claims['sub'];
}

/** How soon a failed renewal (network) is tried again. */
const RETRY_MS = 30_000;

/** Keeps one client's session for one element. */
export class SessionKeeper {
  /** The current session, if any. */
  session: Session | undefined;

  /** The element's configuration; its issuer, client id and session mode never change. */
  config: ResolvedConfig;
  readonly #host: SessionHost;
  readonly #key: string;
  readonly #store: SessionStore;
  // A failed renewal is reported to the host (`renewalFailed`) and tried again: nothing to reject to.
  readonly #schedule = new RenewalSchedule(() => void this.renew().catch(() => undefined));
  #channel: ReturnType<typeof openSyncChannel> | undefined;
  #dpop: DPoPHandle | undefined;
  #renewal: Promise<void> | undefined;
  /** The session the element was signed in with (kept up to date by its renewals): a new one is compared with it. */
  #shown: Session | undefined;
  /** The refresh token last revoked here, so that one account change revokes it once. */
  #revoked: string | undefined;

  constructor(config: ResolvedConfig, host: SessionHost) {
    this.config = config;
    this.#host = host;
    this.#key = sessionKey(config);
    this.#store = config.session === 'persistent' ? indexedDbSessionStore() : noSessionStore;
    this.open();
  }

  /** Listens to the other tabs and keeps the renewal schedule (again, after {@link close}). */
  open(): void {
    if (this.config.session === 'persistent') this.#channel ??= openSyncChannel((message) => void this.#receive(message));
    if (this.session) this.#use(this.session);
  }

  /** The DPoP handle of the current session, when its tokens are DPoP-bound. */
  dpop(): DPoPHandle | undefined {
    return (this.#dpop ??= dpopHandle(this.config, this.session?.dpopKey));
  }

  /**
   * Reads the stored session: as it is while its access token is valid, renewed first when not.
   * Resolves to `undefined` (and forgets the stored session) when it cannot be restored.
   */
  async restore(): Promise<Session | undefined> {
    const stored = await this.#read();
    if (!stored) return undefined;
    this.#use(stored);
    if (stored.tokens.expiresAt > Date.now()) return (this.#shown = stored);
    try {
      await this.renew(true);
    } catch {
      // Unreachable provider: signed out for now; the stored session stays for a later visit.
    }
    if (this.session && this.session.tokens.expiresAt > Date.now()) return (this.#shown = this.session);
    this.#forget();
    return undefined;
  }

  /**
   * Starts keeping a session that just began here (a completed login); `save` stores and announces
   * it. A session of another user that it replaces, here or in the store, has its refresh token
   * revoked.
   */
  async begin(session: Session, save: boolean): Promise<void> {
    const shown = this.#shown;
    this.#use(session);
    this.#shown = session;
    if (shown && !sameAccount(shown, session)) this.#revoke(shown);
    if (save) {
      // The store's copy of another user's session, replaced in the same IndexedDB transaction.
      const replaced = this.#own(await this.#store.replace(this.#key, this.#record(session)));
      if (replaced && !sameAccount(replaced, session)) this.#revoke(replaced);
      this.#announce('session');
    }
  }

  /**
   * Renews the access token: one renewal at a time across tabs; a tab that finds the stored
   * session already renewed by another takes that. An `invalid_grant` first re-reads the stored
   * session (another tab may have rotated the refresh token), and only then ends the session.
   *
   * @param quiet for restores: no `sessionChanged` / `renewalFailed` calls
   */
  renew(quiet = false): Promise<void> {
    return (this.#renewal ??= this.#renew(quiet).finally(() => (this.#renewal = undefined)));
  }

  /**
   * The access token of an API (its `resource`, `audience`, `scope`): the session's while it is
   * not due for renewal (by the rule of the session's own token), else a new one from a refresh
   * grant that asks for it, under the renewals' lock. The refresh token that grant may rotate is
   * the session's from then on, here, in the store and for the other tabs; a session's renewal
   * keeps its API tokens.
   *
   * @param stale a token the API refused: a new one is asked for, whatever its age
   * @returns the token, and whether it is new here
   * @throws {PkceLoginError} `login_required` without a session, `missing_refresh_token`
   *   without a refresh token, the codes of `refreshTokens` (the provider's own: the session is
   *   kept)
   */
  async apiToken(target: ApiTarget, stale?: string): Promise<[ApiToken, boolean]> {
    const key = JSON.stringify([target.resource, target.audience, target.scope]);
    const usable = (session: Session | undefined) => {
      const token = session?.apiTokens?.[key];
      return token && token.accessToken !== stale && renewalTime(token.receivedAt, token.expiresAt) > Date.now() ? token : undefined;
    };
    const known = this.session?.apiTokens?.[key]?.accessToken;
    const { result } = await withLock(`renew ${this.#key}`, async (): Promise<[Session, ApiToken?]> => {
      const current = this.session;
      // Another tab may hold a newer refresh token, or this API's token already.
      const stored = current && (await this.#read());
      const latest = stored?.tokens.refreshToken && sameAccount(stored, current!) ? stored : current;
      const token = usable(latest);
      if (!latest || token) return [latest!, token];
      if (!latest.tokens.refreshToken) {
        throw new PkceLoginError('missing_refresh_token', 'an API token comes from the refresh token, and this session has none (refresh="off", or the provider gave none)');
      }
      const { accessToken, tokenType, expiresAt, receivedAt, scope, refreshToken } = await refreshTokens(this.config, latest.metadata, latest.tokens, this.dpop(), target);
      const fresh = { accessToken, tokenType, expiresAt, receivedAt, scope };
      const session = { ...latest, tokens: { ...latest.tokens, refreshToken }, apiTokens: { ...latest.apiTokens, [key]: fresh } };
      // Signed out meanwhile: nothing to keep.
      if (!this.session) return [latest];
      await this.#write(session);
      this.#announce('session');
      return [session, fresh];
    });
    const [session, token] = result;
    if (!token) throw new PkceLoginError('login_required', 'not signed in, or the session has expired');
    if (this.session && sameAccount(this.session, session)) this.#use(session);
    return [token, token.accessToken !== known];
  }

  /** Forgets the session here and in every tab; resolves to the tokens it had, for revocation. */
  async end(): Promise<Session | undefined> {
    const session = this.session;
    this.#forget();
    await this.#store.delete(this.#key);
    if (session) this.#announce('logout');
    return session;
  }

  /** Stops timers and listening (the element left the page); the session stays. */
  close(): void {
    this.#schedule.stop();
    this.#channel?.close();
    this.#channel = undefined;
  }

  async #renew(quiet: boolean): Promise<void> {
    const current = this.session;
    if (!current?.tokens.refreshToken) {
      if (current && current.tokens.expiresAt <= Date.now()) await this.#expire(quiet);
      return;
    }
    try {
      const { result } = await withLock(`renew ${this.#key}`, async (): Promise<[Session, boolean]> => {
        const stored = await this.#read();
        // Without a stored one, this tab's newest: an API token's grant may have rotated the refresh token meanwhile.
        const latest = stored?.tokens.refreshToken ? stored : (this.session ?? current);
        if (latest.tokens.accessToken !== current.tokens.accessToken && renewalTime(latest.tokens.receivedAt, latest.tokens.expiresAt) > Date.now()) {
          return [latest, false];
        }
        this.#use(latest);
        const tokens = await refreshTokens(this.config, latest.metadata, latest.tokens, this.dpop());
        const session = { ...latest, tokens };
        await this.#write(session);
        return [session, true];
      });
      const [renewed, refreshedHere] = result;
      // Another tab's announcement may have delivered this very session while this one waited.
      if (renewed.tokens.accessToken === this.session?.tokens.accessToken) return;
      this.#use(renewed);
      if (refreshedHere) this.#announce('session');
      if (!quiet) this.#report(renewed);
    } catch (cause) {
      const error = toPkceLoginError(cause);
      if (error.code === 'invalid_grant') {
        await this.#expire(quiet);
      } else {
        this.#schedule.schedule(Date.now() + RETRY_MS);
        if (!quiet) this.#host.renewalFailed(error);
        throw error;
      }
    }
  }

  /**
   * This client's stored session. A record of another issuer or client id, or without them (an
   * older version's), is treated as absent: it was filed under this client's key by mistake.
   */
  async #read(): Promise<Session | undefined> {
    return this.#own(await this.#store.get(this.#key));
  }

  /** The session of a stored record, when the record is this client's. */
  #own(stored: StoredSession | undefined): Session | undefined {
    if (stored?.issuer !== this.config.issuer || stored.clientId !== this.config.clientId) return undefined;
    const { tokens, metadata, dpopKey, apiTokens } = stored;
    return { tokens, metadata, dpopKey, apiTokens };
  }

  /** The stored form of a session of this client, with its issuer and client id. */
  #record(session: Session): StoredSession {
    const { tokens, metadata, dpopKey, apiTokens } = session;
    return { version: 1, issuer: this.config.issuer, clientId: this.config.clientId, tokens, metadata, dpopKey, apiTokens };
  }

  /** Stores the session under this client. */
  #write(session: Session): Promise<unknown> {
    return this.#store.set(this.#key, this.#record(session));
  }

  /** Takes a session read from the store or sent by the provider, and plans its renewal. */
  #use(session: Session): void {
    if (session.dpopKey !== this.session?.dpopKey) this.#dpop = undefined;
    this.session = session;
    // Newer tokens of the user the element shows: the refresh token to revoke if the user changes.
    if (this.#shown && sameAccount(this.#shown, session)) this.#shown = session;
    const { refreshToken, receivedAt, expiresAt } = session.tokens;
    this.#schedule.schedule(refreshToken ? renewalTime(receivedAt, expiresAt) : expiresAt);
  }

  /**
   * Tells the element of a session renewed here or taken from another tab. One of another user
   * (another tab signed in as someone else) is an account change: the previous user's refresh
   * token is revoked, since no tab will use it again.
   */
  #report(session: Session): void {
    const shown = this.#shown;
    this.#shown = session;
    const accountChanged = shown !== undefined && !sameAccount(shown, session);
    if (accountChanged) this.#revoke(shown);
    this.#host.sessionChanged(session, accountChanged);
  }

  /** Revokes a replaced session's refresh token (RFC 7009), best effort, once. */
  #revoke(session: Session): void {
    const token = session.tokens.refreshToken;
    if (!token || token === this.#revoked) return;
    this.#revoked = token;
    // revokeToken never rejects: a failed revocation changes nothing here.
    void revokeToken(this.config, session.metadata, token);
  }

  #forget(): void {
    this.session = undefined;
    this.#shown = undefined;
    this.#dpop = undefined;
    this.#schedule.stop();
  }

  /** The session can no longer be renewed: forget it everywhere. */
  async #expire(quiet: boolean): Promise<void> {
    const had = this.session !== undefined;
    this.#forget();
    await this.#store.delete(this.#key);
    this.#announce('logout');
    if (had && !quiet) this.#host.sessionEnded('expired');
  }

  #announce(type: SyncMessage['type']): void {
    this.#channel?.post({ type, key: this.#key });
  }

  /** Another tab (or element) started, renewed or ended this client's session. */
  async #receive(message: SyncMessage): Promise<void> {
    if (message.key !== this.#key) return;
    if (message.type === 'logout') {
      if (this.session) {
        this.#forget();
        this.#host.sessionEnded('other-tab');
      }
      return;
    }
    const stored = await this.#read();
    if (!stored) return;
    const renewed = stored.tokens.accessToken !== this.session?.tokens.accessToken;
    // Else another tab's API token grant (a rotated refresh token, API tokens): taken quietly.
    this.#use(stored);
    if (renewed) this.#report(stored);
  }
}
