/**
 * Faults for the fake provider and the browser's storage: requests that never answer (but, like a
 * real `fetch`, give up when their signal aborts), bodies that stall or never end, oversized
 * bodies, and IndexedDB that is missing, hangs or throws.
 */

import sinon from 'sinon';
import { closeDatabase } from '../../src/storage/database.js';
import type { RecordedRequest } from './provider.js';

/** Rejects the way `fetch` does when `signal` aborts: with the signal's reason. */
function onAbort(signal: AbortSignal | null | undefined, reject: (reason: unknown) => void): void {
  if (!signal) return;
  if (signal.aborted) reject(signal.reason);
  else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
}

/**
 * A provider endpoint that never answers. Like a real `fetch`, the request gives up when the
 * signal the element passed aborts (a `TimeoutError` for `AbortSignal.timeout`); without a signal
 * it hangs for ever.
 */
export function hang(request: RecordedRequest): Promise<Response> {
  return new Promise<Response>((_, reject) => onAbort(request.signal, reject));
}

/**
 * An answer whose status line and headers arrive, then a few bytes of body, then nothing more.
 * Like a real `fetch`, the body errors when the request's signal aborts.
 */
export function stalledBody(request: RecordedRequest, headers: Record<string, string> = { 'content-type': 'application/json' }): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"access_token":'));
      onAbort(request.signal, (reason) => controller.error(reason));
    },
  });
  return new Response(body, { status: 200, headers });
}

/**
 * A `200 application/json` answer whose body never ends: 64 KiB chunks of JSON-ish filler, for as
 * long as someone reads. `pulled` counts the bytes handed out.
 */
export function endlessBody(): { response: Response; pulled: () => number } {
  let bytes = 0;
  const chunk = new TextEncoder().encode(`{"padding":"${'x'.repeat(65_536 - 14)}",`);
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      bytes += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { response: new Response(body, { status: 200, headers: { 'content-type': 'application/json' } }), pulled: () => bytes };
}

/** A well-formed JSON object `bytes` long (approximately, a few bytes over), `members` first. */
export function paddedJson(members: Record<string, unknown>, bytes: number): string {
  const head = JSON.stringify(members).slice(0, -1);
  const padding = Math.max(0, bytes - head.length - 16);
  return `${head},"padding":"${'p'.repeat(padding)}"}`;
}

/**
 * Makes `indexedDB.open` return a request that never completes (the Safari 14 hang), for the
 * databases named in `only`, or for every database.
 */
export function blockIndexedDb(only?: readonly string[]): sinon.SinonStub {
  const open = indexedDB.open.bind(indexedDB);
  return onFreshConnection(
    sinon
      .stub(indexedDB, 'open')
      .callsFake((name: string, version?: number) => (only && !only.includes(name) ? open(name, version) : ({} as IDBOpenDBRequest))),
  );
}

/**
 * Closes the page's connection to the element's database before a fault on `indexedDB.open`
 * (the element opens it again, and meets the fault), and again when the fault is restored (a
 * connection that never opened is not kept for the next test).
 */
function onFreshConnection(stub: sinon.SinonStub): sinon.SinonStub {
  closeDatabase();
  const restore = stub.restore.bind(stub);
  stub.restore = () => {
    restore();
    closeDatabase();
  };
  return stub;
}

/**
 * Makes `window.indexedDB` undefined (some private windows, embedded browsers, old Firefox
 * profiles). Returns a function that puts it back.
 */
export function removeIndexedDb(): () => void {
  closeDatabase();
  const own = Object.getOwnPropertyDescriptor(window, 'indexedDB');
  Object.defineProperty(window, 'indexedDB', { get: () => undefined, configurable: true });
  return () => {
    if (own) Object.defineProperty(window, 'indexedDB', own);
    else delete (window as { indexedDB?: unknown }).indexedDB;
  };
}

/** Makes `indexedDB.open` throw, or fail asynchronously (as in some private windows). */
export function breakIndexedDb(how: 'throws' | 'fails'): sinon.SinonStub {
  if (how === 'throws') {
    return onFreshConnection(sinon.stub(indexedDB, 'open').throws(new DOMException('IndexedDB is disabled', 'InvalidStateError')));
  }
  return onFreshConnection(sinon.stub(indexedDB, 'open').callsFake(() => {
    const request = {} as IDBOpenDBRequest;
    setTimeout(() => {
      Object.defineProperty(request, 'error', { value: new DOMException('The user denied permission', 'UnknownError') });
      request.onerror?.(new Event('error'));
    });
    return request;
  }));
}
