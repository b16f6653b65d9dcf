/**
 * When to renew an access token: well before it expires, on a timer, and again whenever the page
 * comes back to life (a tab made visible, a page restored from the back-forward cache, the network
 * back, the window focused), because background tabs throttle timers and laptops sleep.
 *
 * @packageDocumentation
 */

/** The longest a renewal is made ahead of expiry. */
const MAX_MARGIN_MS = 5 * 60_000;
/** Events after which the schedule is checked again. */
const WAKE_EVENTS = ['visibilitychange', 'pageshow', 'online', 'focus'] as const;

/**
 * The moment to renew a token received at `receivedAt` that expires at `expiresAt`: a quarter of
 * its lifetime before expiry, at most five minutes before.
 */
export function renewalTime(receivedAt: number, expiresAt: number): number {
  return expiresAt - Math.min(MAX_MARGIN_MS, (expiresAt - receivedAt) / 4);
}

/** Calls `renew` once its moment has come, however the page slept in between. */
export class RenewalSchedule {
  #due = Infinity;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #renew: () => void;
  readonly #check = (): void => {
    if (Date.now() >= this.#due) {
      this.stop();
      this.#renew();
    }
  };

  /** @param renew called when a renewal is due; it schedules the next one itself */
  constructor(renew: () => void) {
    this.#renew = renew;
  }

  /** Plans the call to `renew` for the moment `due` (epoch milliseconds), replacing any other. */
  schedule(due: number): void {
    this.stop();
    this.#due = due;
    // Timers cap at about 24.8 days; a longer wait is re-planned by the wake-up events.
    this.#timer = setTimeout(this.#check, Math.min(this.#due - Date.now(), 2 ** 31 - 1));
    for (const type of WAKE_EVENTS) globalThis.addEventListener(type, this.#check);
  }

  /** Cancels the planned renewal. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#due = Infinity;
    for (const type of WAKE_EVENTS) globalThis.removeEventListener(type, this.#check);
  }
}
