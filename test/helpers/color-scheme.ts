/**
 * The colour schemes the scheme-dependent tests run in. Chromium emulates `prefers-color-scheme`
 * through its driver, so one page tests both. Firefox (over WebDriver BiDi) and WebKit (over
 * classic WebDriver) cannot: their browsers are launched in one scheme each (a pref, a flag; see
 * scripts/wtr-engines.mjs), the test page says which in `window.__FIXED_COLOR_SCHEME__`, and the
 * tests run in that scheme alone there; the suite runs the scheme-dependent file once per scheme.
 */
import { emulateMedia } from '@web/test-runner-commands';

export type ColorScheme = 'light' | 'dark';

/** The scheme the browser was launched in, when it cannot emulate another. */
export const FIXED_COLOR_SCHEME: ColorScheme | undefined = (window as { __FIXED_COLOR_SCHEME__?: ColorScheme }).__FIXED_COLOR_SCHEME__;

/** The schemes to test in this browser. */
export const COLOR_SCHEMES: readonly ColorScheme[] = FIXED_COLOR_SCHEME ? [FIXED_COLOR_SCHEME] : ['light', 'dark'];

/** Puts the page in `scheme` (a no-op in a browser launched in its one scheme). */
export async function useColorScheme(scheme: ColorScheme): Promise<void> {
  if (FIXED_COLOR_SCHEME === undefined) await emulateMedia({ colorScheme: scheme });
}

/** The user's preferred scheme, as the page sees it. */
export function preferredColorScheme(): ColorScheme {
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}
