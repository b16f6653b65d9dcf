// The floor: a hand-written minimal Authorization Code + PKCE page, with no library
// (floor-page.js), keeping the verifier and state in sessionStorage between the redirect and the
// return: a synchronous read on the callback page.
import { floorPage } from './floor-page.js';

const KEY = 'floor-pkce';

floorPage({
  save(record) {
    sessionStorage.setItem(KEY, JSON.stringify(record));
  },
  take() {
    const saved = JSON.parse(sessionStorage.getItem(KEY) || 'null');
    sessionStorage.removeItem(KEY);
    return saved ?? undefined;
  },
});
