/**
 * The mechanics of a popup login (`mode="popup"`): opening the popup, and carrying the
 * authorization response from the popup back to the page that opened it.
 *
 * A popup login's `state` starts with {@link POPUP_STATE_PREFIX}. The page the provider sends
 * the popup back to recognises it, posts the response parameters on a BroadcastChannel named
 * after the state, and closes: it neither reads nor deletes the transaction, and makes no
 * request. The opener, listening on that channel, completes the login itself. A BroadcastChannel
 * rather than `window.opener`, which a provider's `Cross-Origin-Opener-Policy` severs.
 *
 * @packageDocumentation
 */

import { TRANSACTION_TTL_MS } from './protocol.js';

/** What a popup login's `state` starts with. */
export const POPUP_STATE_PREFIX = 'p.';

/**
 * Opens an empty popup window. Call it synchronously in the click handler, before any `await`,
 * so that the user activation lets it open.
 *
 * @returns the popup, or `null` when it was blocked
 */
export function openPopup(): Window | null {
  return open('', 'pkce-login', 'popup,width=500,height=650');
}

/**
 * In the popup: when `params` is a popup login's response, hands it to the opener and closes
 * the window.
 *
 * @returns whether `params` was a popup login's response (the caller then ignores it)
 */
export function relayPopupResponse(params: URLSearchParams): boolean {
  const state = params.get('state')!;
  if (!state.startsWith(POPUP_STATE_PREFIX)) return false;
  new BroadcastChannel(state).postMessage(`${params}`);
  close();
  return true;
}

/**
 * In the opener: sends `popup` to `url`, and waits for the response of the login `state`.
 * `onClosed` is called once when the popup is found closed; waiting goes on after it (a popup
 * severed by `Cross-Origin-Opener-Policy` looks closed) until the response arrives, the
 * transaction expires, or the returned function is called.
 *
 * @param onResponse receives the response parameters, once
 * @returns stops waiting
 */
export function awaitPopup(
  popup: Window,
  state: string,
  url: URL,
  onResponse: (params: URLSearchParams) => void,
  onClosed: () => void,
): () => void {
  const channel = new BroadcastChannel(state);
  let closedPolls = 0;
  // Closed on two polls in a row: a popup that closes itself right after posting its response
  // is not reported closed before that response arrives.
  const poll = setInterval(() => popup.closed && ++closedPolls > 1 && (clearInterval(poll), onClosed()), 400);
  const expiry = setTimeout(stop, TRANSACTION_TTL_MS);
  function stop(): void {
    clearInterval(poll);
    clearTimeout(expiry);
    channel.close();
  }
  channel.onmessage = ({ data }: MessageEvent<string>) => {
    const params = new URLSearchParams(data);
    // Only this login's own response.
    if (params.get('state') !== state) return;
    stop();
    onResponse(params);
  };
  // A popup closed meanwhile has no location in some browsers: the poll reports it.
  popup.location?.assign(url);
  return stop;
}
