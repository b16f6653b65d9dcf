// The floor: a hand-written minimal Authorization Code + PKCE page, with no library
// (floor-page.js), keeping the verifier and state in sessionStorage between the redirect and the
// return, and the session in sessionStorage too: synchronous reads, and a session that lives as
// long as the tab.
import { floorPage } from './floor-page.js';

const KEY = 'floor-pkce';
const SESSION = 'floor-session';

floorPage({
  save(record) {
    sessionStorage.setItem(KEY, JSON.stringify(record));
  },
  take() {
    const saved = JSON.parse(sessionStorage.getItem(KEY) || 'null');
    sessionStorage.removeItem(KEY);
    return saved ?? undefined;
  },
  saveSession(session) {
    sessionStorage.setItem(SESSION, JSON.stringify(session));
  },
  loadSession() {
    return JSON.parse(sessionStorage.getItem(SESSION) || 'null') ?? undefined;
  },
});
