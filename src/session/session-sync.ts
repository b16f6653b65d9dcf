/**
 * Coordination between the tabs (and the elements) of one origin: a Web Lock so that one of them
 * at a time renews a session, and a BroadcastChannel that tells the others when a session
 * starts, is renewed, or ends. Messages name the client, never carry a token.
 *
 * @packageDocumentation
 */

/** What one tab tells the others about a client's session. */
export interface SyncMessage {
  /** `session`: a session started or was renewed (read it from the session store); `logout`: it ended. */
  type: 'session' | 'logout';
  /** The client: see `sessionKey`. */
  key: string;
}

/** The channel every `<pkce-login>` of the origin listens on. */
const CHANNEL = 'pkce-login';

/**
 * Listens to the other tabs' messages.
 * @returns `post` to send a message to them, and `close`
 */
export function openSyncChannel(onMessage: (message: SyncMessage) => void): { post(message: SyncMessage): void; close(): void } {
  if (typeof BroadcastChannel === 'undefined') return { post() {}, close() {} };
  const channel = new BroadcastChannel(CHANNEL);
  channel.onmessage = (event: MessageEvent<SyncMessage>) => onMessage(event.data);
  return { post: (message) => channel.postMessage(message), close: () => channel.close() };
}

/**
 * Runs `task` holding the origin-wide lock `name` (Web Locks), so that no other tab runs a task
 * under the same name at the same time; without Web Locks, runs it directly.
 *
 * @returns the task's result, and whether it had to wait for another holder of the lock
 */
export async function withLock<T>(name: string, task: () => Promise<T>): Promise<{ result: T; waited: boolean }> {
  const locks = navigator.locks;
  name = `pkce-login:${name}`;
  const free = locks
    ? ((await locks.request(name, { ifAvailable: true }, async (lock) => lock && { result: await task(), waited: false })) as {
        result: T;
        waited: false;
      } | null)
    : { result: await task(), waited: false };
  return free ?? { result: (await locks.request(name, task)) as T, waited: true };
}

/**
 * Holds the origin-wide lock `name` while `task` runs, without waiting for it to be granted:
 * `task` starts at once. For work made exclusive by other means (a record taken out of IndexedDB
 * once), so that another tab can tell that the work is under way ({@link lockShared}) and wait
 * for it. Resolves once this hold is released: when another tab held the lock first, only
 * after that tab let go.
 */
export async function holdLock<T>(name: string, task: () => Promise<T>): Promise<T> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  // Requested before the task starts: a tab that finds the work taken queues behind this hold.
  const done = navigator.locks?.request(`pkce-login:${name}`, () => held).catch(() => undefined);
  try {
    return await task();
  } finally {
    release();
    await done;
  }
}

/**
 * True when the lock `name` is held or asked for by another holder besides the caller's own
 * {@link holdLock} (which must be outstanding).
 */
export async function lockShared(name: string): Promise<boolean> {
  const { held = [], pending = [] } = (await navigator.locks?.query()) ?? {};
  return [...held, ...pending].filter((lock) => lock.name === `pkce-login:${name}`).length > 1;
}
