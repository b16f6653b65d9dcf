/// <reference types="mocha" />
/**
 * The logout `state` store (issue 13.3): kept per tab, good once, for ten minutes, per client;
 * only a `state` with the logout prefix, at the post-logout redirect URI, without an
 * authorization response, is a logout return.
 */
import { expect } from '@open-wc/testing';
import { checkLogoutReturn, LOGOUT_STATE_PREFIX, saveLogoutState } from '../../src/storage/logout-state.js';

const OWNER = { issuer: 'https://op.example/', clientId: 'client-1', postLogoutRedirectUri: 'https://app.example/bye?x=1' };
const STATE = `${LOGOUT_STATE_PREFIX}abc`;
const NOW = 1_700_000_000_000;
const TEN_MINUTES = 600_000;

/** An in-memory Web Storage. */
function memoryStorage(): Storage {
  const map = new Map<string, string>();
  return {
    get length() {
      return map.size;
    },
    key: (i) => [...map.keys()][i] ?? null,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, String(v)),
    removeItem: (k) => void map.delete(k),
    clear: () => map.clear(),
  };
}

function back(query: string): URL {
  return new URL(`https://app.example/bye?${query}#top`);
}

describe('logout state', () => {
  let storage: Storage;
  const use = () => storage;
  beforeEach(() => (storage = memoryStorage()));

  it('should match a saved state once, at the post-logout redirect URI', () => {
    saveLogoutState(STATE, OWNER, use, NOW);
    expect(checkLogoutReturn(back(`x=1&state=${STATE}`), OWNER, use, NOW + 1000)).to.equal(true);
    expect(checkLogoutReturn(back(`x=1&state=${STATE}`), OWNER, use, NOW + 2000)).to.equal(false);
  });

  it('should refuse a state older than ten minutes', () => {
    saveLogoutState(STATE, OWNER, use, NOW);
    expect(checkLogoutReturn(back(`state=${STATE}`), OWNER, use, NOW + TEN_MINUTES)).to.equal(false);
    expect(storage.length, 'taken out').to.equal(0);
  });

  it('should refuse an unknown logout state, and one read from unusable storage', () => {
    expect(checkLogoutReturn(back(`state=${LOGOUT_STATE_PREFIX}forged`), OWNER, use, NOW)).to.equal(false);
    const broken = (): Storage => {
      throw new DOMException('denied', 'SecurityError');
    };
    expect(checkLogoutReturn(back(`state=${STATE}`), OWNER, broken, NOW)).to.equal(false);
    expect(() => saveLogoutState(STATE, OWNER, broken, NOW)).not.to.throw();
  });

  it("should not see a logout return in a state without the prefix, on another page, with code or error, or twice", () => {
    saveLogoutState(STATE, OWNER, use, NOW);
    expect(checkLogoutReturn(back('state=abc'), OWNER, use, NOW)).to.equal(undefined);
    expect(checkLogoutReturn(new URL(`https://app.example/other?state=${STATE}`), OWNER, use, NOW)).to.equal(undefined);
    expect(checkLogoutReturn(new URL(`https://evil.example/bye?state=${STATE}`), OWNER, use, NOW)).to.equal(undefined);
    expect(checkLogoutReturn(back(`state=${STATE}&code=c`), OWNER, use, NOW)).to.equal(undefined);
    expect(checkLogoutReturn(back(`state=${STATE}&error=e`), OWNER, use, NOW)).to.equal(undefined);
    expect(checkLogoutReturn(back(`state=${STATE}&state=${STATE}`), OWNER, use, NOW)).to.equal(undefined);
    expect(storage.length, 'still there').to.equal(1);
  });

  it("should leave another client's state for that client", () => {
    saveLogoutState(STATE, { ...OWNER, clientId: 'client-2' }, use, NOW);
    expect(checkLogoutReturn(back(`state=${STATE}`), OWNER, use, NOW)).to.equal(undefined);
    expect(checkLogoutReturn(back(`state=${STATE}`), { ...OWNER, clientId: 'client-2' }, use, NOW)).to.equal(true);
  });

  it('should keep one logout state per client: a new logout replaces the last, other keys stay', () => {
    storage.setItem('app-key', 'kept');
    saveLogoutState(`${LOGOUT_STATE_PREFIX}old`, OWNER, use, NOW);
    saveLogoutState(STATE, OWNER, use, NOW);
    saveLogoutState(`${LOGOUT_STATE_PREFIX}other`, { ...OWNER, clientId: 'client-2' }, use, NOW);
    expect(storage.getItem('app-key')).to.equal('kept');
    expect(storage.length).to.equal(3);
    expect(checkLogoutReturn(back(`state=${LOGOUT_STATE_PREFIX}old`), OWNER, use, NOW)).to.equal(false);
    expect(checkLogoutReturn(back(`state=${STATE}`), OWNER, use, NOW)).to.equal(true);
  });
});
