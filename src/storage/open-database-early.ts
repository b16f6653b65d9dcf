/**
 * Opens the element's IndexedDB database as the bundle starts to evaluate, before lit and the
 * element are defined: the browser opens it (several milliseconds in its own process) while the
 * rest of the script runs, so a signed-in page reads its session as soon as the element starts.
 * `pkce-login.ts` imports it first. Does nothing where there is no IndexedDB (server rendering).
 *
 * @packageDocumentation
 */

import { openDatabase } from './database.js';

if (typeof indexedDB !== 'undefined') void openDatabase().catch(() => undefined);
