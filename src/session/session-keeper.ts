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

import type { ResolvedConfig } from '../protocol/config.js';
import type { PkceLoginError } from '../errors.js';
import type { LogoutReason } from '../events.js';
import { dpopHandle, refreshTokens, revokeToken, toPkceLoginError, type DPoPHandle, type ServerMetadata, type TokenSet } from '../protocol/protocol.js';
import { RenewalSchedule, renewalTime } from './renewal-schedule.js';
import { indexedDbSessionStore, noSessionStore, type SessionStore, type StoredSession } from '../storage/session-store.js';
import { openSyncChannel, withLock, type SyncMessage } from './session-sync.js';

/** A signed-in session. */
export interface Session {
  tokens: TokenSet;
  metadata: ServerMetadata;
  /** The key the tokens are bound to (DPoP); its private half is not extractable. */
  dpopKey?: CryptoKeyPair | undefined;
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
        const latest = stored?.tokens.refreshToken ? stored : current;
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
    const { tokens, metadata, dpopKey } = stored;
    return { tokens, metadata, dpopKey };
  }

  /** The stored form of a session of this client, with its issuer and client id. */
  #record(session: Session): StoredSession {
    const { tokens, metadata, dpopKey } = session;
    return { version: 1, issuer: this.config.issuer, clientId: this.config.clientId, tokens, metadata, dpopKey };
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
    if (stored && stored.tokens.accessToken !== this.session?.tokens.accessToken) {
      this.#use(stored);
      this.#report(stored);
    }
  }
}
