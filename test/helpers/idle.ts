/**
 * Runs `body` with `window.requestIdleCallback` replaced by `replacement` (`undefined`: a browser
 * without it, as WebKit), then puts the page's own back, or none where it had none. Replaced
 * outright rather than stubbed: WebKit has none to stub.
 */
export async function withRequestIdleCallback<T>(
  replacement: ((callback: IdleRequestCallback) => number) | undefined,
  body: () => Promise<T>,
): Promise<T> {
  const own = Object.getOwnPropertyDescriptor(window, 'requestIdleCallback');
  Object.defineProperty(window, 'requestIdleCallback', { configurable: true, value: replacement });
  try {
    return await body();
  } finally {
    if (own) Object.defineProperty(window, 'requestIdleCallback', own);
    else delete (window as { requestIdleCallback?: unknown }).requestIdleCallback;
  }
}
