/**
 * Popup login (`mode="popup"`): opening the popup, and carrying the authorization response from
 * the popup back to the element that opened it.
 *
 * A popup login's `state` starts with {@link POPUP_STATE_PREFIX}. The page the provider sends
 * the popup back to recognises it, posts the response parameters on a BroadcastChannel named
 * after the state, and closes ({@link relayPopupResponse}): it neither reads nor deletes the
 * transaction, and makes no request. The opener, listening on that channel, completes the login
 * itself. A BroadcastChannel rather than `window.opener`, which a provider's
 * `Cross-Origin-Opener-Policy` severs.
 *
 * @packageDocumentation
 */

import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { replaceAddress, withoutCallbackParams } from '../protocol/callback-url.js';
import { TRANSACTION_TTL_MS } from '../protocol/protocol.js';

/** What a popup login's `state` starts with. */
export const POPUP_STATE_PREFIX = 'p.';

/** How often the opener checks whether the popup was closed. */
const CLOSED_POLL_MS = 400;

/**
 * In the popup: when `params` is a popup login's response, removes it from the address bar
 * (other parameters and the hash stay), hands it to the opener and closes the window.
 *
 * The address is cleaned first because the window may not close: a popup login's callback URL
 * opened in an ordinary tab (no opener; scripts cannot close a window they did not open) would
 * otherwise keep the `code` in the address bar and in history.
 *
 * @returns whether `params` was a popup login's response (the caller then ignores it)
 */
export function relayPopupResponse(params: URLSearchParams): boolean {
  const state = params.get('state') ?? '';
  if (!state.startsWith(POPUP_STATE_PREFIX)) return false;
  replaceAddress(withoutCallbackParams(new URL(location.href)));
  new BroadcastChannel(state).postMessage(`${params}`);
  close();
  return true;
}

/** What the opener is told about a popup it waits for. */
export interface PopupCallbacks {
  /** The response parameters, once. */
  response(params: URLSearchParams): void;
  /** The popup was found closed (once); waiting goes on, see {@link PopupController.wait}. */
  closed(): void;
}

/**
 * The opener's side of a popup login, one at a time per element.
 *
 * A popup login stops waiting when a new login starts ({@link PopupController.open}), when the
 * element's configuration changes ({@link PopupController.stop}), and when the element leaves
 * the document: the popup is then closed, and its response, if it still comes, is ignored. The
 * transaction it would have used expires unused.
 */
export class PopupController implements ReactiveController {
  #popup: Window | null = null;
  #stopWaiting: (() => void) | undefined;

  constructor(host: ReactiveControllerHost) {
    host.addController(this);
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    this.stop();
  }

  /**
   * Opens an empty popup window, after stopping waiting for any earlier popup login (whose
   * window, of the same name, is reused). Call it synchronously in the click handler, before any
   * `await`, so that the user activation lets it open.
   *
   * @returns the popup, or `null` when it was blocked
   */
  open(): Window | null {
    this.#release();
    return (this.#popup = open('', 'pkce-login', 'popup,width=500,height=650'));
  }

  /**
   * Sends the popup (from {@link open}) to `url`, and waits for the response of the login
   * `state`. `closed` is called once when the popup is found closed; waiting goes on after it (a
   * popup severed by `Cross-Origin-Opener-Policy` looks closed) until the response arrives, the
   * transaction expires, or {@link stop} is called.
   */
  wait(state: string, url: URL, callbacks: PopupCallbacks): void {
    const popup = this.#popup;
    if (!popup) return;
    const channel = new BroadcastChannel(state);
    let closedPolls = 0;
    // Closed on two polls in a row: a popup that closes itself right after posting its response
    // is not reported closed before that response arrives.
    const poll = setInterval(() => {
      if (popup.closed && ++closedPolls > 1) {
        clearInterval(poll);
        callbacks.closed();
      }
    }, CLOSED_POLL_MS);
    const expiry = setTimeout(() => this.stop(), TRANSACTION_TTL_MS);
    this.#stopWaiting = () => {
      clearInterval(poll);
      clearTimeout(expiry);
      channel.close();
    };
    channel.onmessage = ({ data }: MessageEvent<string>) => {
      const params = new URLSearchParams(data);
      // Only this login's own response.
      if (params.get('state') !== state) return;
      this.#release();
      callbacks.response(params);
    };
    // A popup closed meanwhile has no location in some browsers: the poll reports it.
    popup.location?.assign(url);
  }

  /**
   * Stops waiting for the current popup login, if any, and closes its popup.
   *
   * @returns whether a popup login was under way (opened, or waited for)
   */
  stop(): boolean {
    const popup = this.#popup;
    const underWay = popup !== null || this.#stopWaiting !== undefined;
    this.#release();
    popup?.close();
    return underWay;
  }

  /** Stops waiting, leaving the popup as it is (it closes itself after relaying its response). */
  #release(): void {
    this.#stopWaiting?.();
    this.#stopWaiting = undefined;
    this.#popup = null;
  }
}
