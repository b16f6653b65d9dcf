/**
 * When to renew an access token: well before it expires, on a timer, and again whenever the page
 * comes back to life (a tab made visible, a page restored from the back-forward cache, the network
 * back, the window focused), because background tabs throttle timers and laptops sleep.
 *
 * @packageDocumentation
 */

/** The longest a renewal is made ahead of expiry. */
const MAX_MARGIN_MS = 5 * 60_000;
/**
 * The longest delay `setTimeout` takes (2^31-1 ms, about 24.8 days): browsers run a longer one at
 * once. A longer wait is made of several timers.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;
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
  /** The timer's end: the renewal when its moment has come, else the next timer towards it. */
  readonly #wake = (): void => {
    if (Date.now() >= this.#due) this.#check();
    else this.#arm();
  };

  /** @param renew called when a renewal is due; it schedules the next one itself */
  constructor(renew: () => void) {
    this.#renew = renew;
  }

  /** Plans the call to `renew` for the moment `due` (epoch milliseconds), replacing any other. */
  schedule(due: number): void {
    this.stop();
    // Not a number: never (a NaN delay would fire at once, and no moment would ever be due).
    this.#due = Number.isNaN(due) ? Infinity : due;
    this.#arm();
    for (const type of WAKE_EVENTS) globalThis.addEventListener(type, this.#check);
  }

  /** Cancels the planned renewal. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#due = Infinity;
    for (const type of WAKE_EVENTS) globalThis.removeEventListener(type, this.#check);
  }

  /**
   * Starts the timer towards the planned moment, for at most {@link MAX_TIMER_MS}: a moment
   * further away is reached by the next timer, started when this one ends. None when nothing is
   * planned (after `stop()`, or for `Infinity`).
   */
  #arm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#due === Infinity) return;
    this.#timer = setTimeout(this.#wake, Math.max(0, Math.min(this.#due - Date.now(), MAX_TIMER_MS)));
  }
}
