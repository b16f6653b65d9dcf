/// <reference types="mocha" />
// The mix-up defence's registry (issue 12, finding 1): which issuers share a redirect URI.
// The end-to-end attack is in test/e2e/mixup.test.mjs.
import { expect, waitUntil } from '@open-wc/testing';
import { get, set } from 'idb-keyval';
import { objectStore } from '../../src/storage/database.js';
import sinon from 'sinon';
import { withRequestIdleCallback } from '../helpers/idle.js';
import {
  REMEMBERED_MS,
  callbackAddress,
  noteIssSupport,
  otherIssuers,
  registerRedirect,
  saveRedirect,
  saveRedirectWhenIdle,
} from '../../src/storage/redirect-registry.js';

const A = 'https://a.example/';
const B = 'https://b.example/';
const stored = objectStore('issuers');

let counter = 0;
/** A redirect URI no other test uses (the page's part of the registry is global). */
function uniqueUri(): string {
  return `${location.origin}/registry-test-${Date.now()}-${++counter}/cb`;
}

/** An element stand-in, connected to the document unless `connected` is false. */
function owner(connected = true): HTMLElement {
  const el = document.createElement('div');
  if (connected) document.body.append(el);
  return el;
}

function storedAt(uri: string): Promise<unknown> {
  return get(callbackAddress(uri), stored);
}

/** What an element does when it is configured, then done starting. */
function configured(element: object, uri: string, issuer: string): void {
  registerRedirect(element, uri, issuer);
  void saveRedirect(element);
}

describe('redirect registry', () => {
  afterEach(() => sinon.restore());

  it('should count another issuer of an element connected on the page, by origin and path', async () => {
    const uri = uniqueUri();
    registerRedirect(owner(), uri, A);
    registerRedirect(owner(), `${uri}?tenant=b`, B);
    expect(await otherIssuers([uri], A)).to.deep.equal([B]);
    expect(await otherIssuers([uri], B)).to.deep.equal([A]);
    expect(await otherIssuers([uniqueUri()], A)).to.deep.equal([]);
  });

  it('should write a registration to IndexedDB only when saved, and once', async () => {
    const uri = uniqueUri();
    const element = owner();
    const put = sinon.spy(IDBObjectStore.prototype, 'put');
    registerRedirect(element, uri, A);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await storedAt(uri), 'not written before saveRedirect').to.equal(undefined);
    expect(await otherIssuers([uri], B), 'known on the page at once').to.deep.equal([A]);
    await saveRedirect(element);
    expect(Object.keys(((await storedAt(uri)) as object | undefined) ?? {}), 'written when saveRedirect resolves').to.deep.equal([A]);
    await saveRedirect(element);
    expect(put.callCount, 'one write').to.equal(1);
  });

  it('should write a registration only once the page is idle with saveRedirectWhenIdle', async () => {
    const uri = uniqueUri();
    const element = owner();
    const idle: (() => void)[] = [];
    await withRequestIdleCallback(
      (callback) => idle.push(() => callback({ didTimeout: false, timeRemaining: () => 50 })),
      async () => {
        registerRedirect(element, uri, A);
        saveRedirectWhenIdle(element);
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(await storedAt(uri), 'not written while the page is busy').to.equal(undefined);
        expect(idle).to.have.length(1);
        idle[0]!();
        await waitUntil(async () => (await storedAt(uri)) !== undefined);
      },
    );
  });

  it('should write a registration half a second later where there is no requestIdleCallback (Safari)', async () => {
    const uri = uniqueUri();
    const element = owner();
    await withRequestIdleCallback(undefined, async () => {
      registerRedirect(element, uri, A);
      saveRedirectWhenIdle(element);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await storedAt(uri), 'not written at once').to.equal(undefined);
      await waitUntil(async () => (await storedAt(uri)) !== undefined, 'written after the delay', { timeout: 2000 });
    });
  });

  it('should remember an issuer configured on this origin in IndexedDB, with no more than issuers and times', async () => {
    const uri = uniqueUri();
    const gone = owner();
    configured(gone, uri, B);
    await waitUntil(async () => (await storedAt(uri)) !== undefined);
    gone.remove();
    configured(owner(), uri, A);
    expect(await otherIssuers([uri], A)).to.deep.equal([B]);
    await waitUntil(async () => Object.keys((await storedAt(uri)) as object).length === 2);
    const value = (await storedAt(uri)) as Record<string, unknown>;
    expect(Object.keys(value).sort()).to.deep.equal([A, B]);
    for (const seen of Object.values(value)) expect(seen).to.be.a('number');
  });

  it('should forget an issuer not configured there for 30 days', async () => {
    const uri = uniqueUri();
    await set(callbackAddress(uri), { [B]: Date.now() - REMEMBERED_MS - 1000, [A]: Date.now() }, stored);
    expect(await otherIssuers([uri], A)).to.deep.equal([]);
    await set(callbackAddress(uri), { [B]: Date.now() - REMEMBERED_MS + 60_000 }, stored);
    expect(await otherIssuers([uri], A)).to.deep.equal([B]);
  });

  it('should warn once per redirect URI when it is shared and a provider there sends no iss', async () => {
    const warn = sinon.stub(console, 'warn');
    const uri = uniqueUri();
    const a = owner();
    const b = owner();
    configured(a, uri, A);
    configured(b, uri, B);
    noteIssSupport(a, A, true);
    noteIssSupport(b, B, true);
    await waitUntil(async () => Object.keys(((await storedAt(uri)) as object | undefined) ?? {}).length === 2);
    expect(warn.callCount, 'both send iss: protected').to.equal(0);
    noteIssSupport(b, B, false);
    noteIssSupport(b, B, false);
    configured(owner(), uri, 'https://c.example/');
    await waitUntil(async () => Object.keys(((await storedAt(uri)) as object | undefined) ?? {}).length === 3);
    expect(warn.callCount).to.equal(1);
    const message = String(warn.firstCall.args[0]);
    expect(message).to.include(callbackAddress(uri)).and.include(A).and.include(B).and.include('redirect-uri');
  });

  it('should not warn about a redirect URI of one issuer, even without iss', async () => {
    const warn = sinon.stub(console, 'warn');
    const uri = uniqueUri();
    const a = owner();
    configured(a, uri, A);
    configured(owner(), uri, A);
    noteIssSupport(a, A, false);
    await waitUntil(async () => (await storedAt(uri)) !== undefined);
    expect(warn.callCount).to.equal(0);
    expect(await otherIssuers([uri], A)).to.deep.equal([]);
  });
});
