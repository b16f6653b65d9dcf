/** Recording the element's events, including those fired before a test could call `oneEvent`. */

import { waitUntil } from '@open-wc/testing';

export const ELEMENT_EVENTS = ['token', 'login', 'logout', 'error'] as const;

export interface RecordedEvent {
  type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  detail: any;
  event: CustomEvent;
}

/**
 * Starts recording `types` on `target`; the returned array fills as events arrive, until
 * `signal` aborts.
 */
export function recordEvents(target: EventTarget, types: readonly string[] = ELEMENT_EVENTS, signal?: AbortSignal): RecordedEvent[] {
  const log: RecordedEvent[] = [];
  for (const type of types) {
    target.addEventListener(
      type,
      (event) => {
        log.push({ type, detail: (event as CustomEvent).detail, event: event as CustomEvent });
      },
      { signal },
    );
  }
  return log;
}

/** The recorded events of one type. */
export function ofType(log: readonly RecordedEvent[], type: string): RecordedEvent[] {
  return log.filter((entry) => entry.type === type);
}

/** Resolves with the first recorded event of `type`, waiting for it if need be. */
export async function untilEvent(log: readonly RecordedEvent[], type: string, message?: string): Promise<RecordedEvent> {
  await waitUntil(() => log.some((entry) => entry.type === type), message ?? `no "${type}" event; got ${describeLog(log)}`, {
    timeout: 3000,
  });
  return log.find((entry) => entry.type === type)!;
}

export function describeLog(log: readonly RecordedEvent[]): string {
  return JSON.stringify(log.map(({ type, detail }) => ({ type, detail })));
}

/**
 * Collects unhandled promise rejections while a test runs; `stop()` returns them, after giving
 * any pending rejection a chance to surface.
 */
export function watchUnhandledRejections(): { stop(): Promise<unknown[]> } {
  const reasons: unknown[] = [];
  const listener = (event: PromiseRejectionEvent) => {
    reasons.push(event.reason);
  };
  window.addEventListener('unhandledrejection', listener);
  return {
    async stop() {
      await new Promise((resolve) => setTimeout(resolve, 20));
      window.removeEventListener('unhandledrejection', listener);
      return reasons;
    },
  };
}
