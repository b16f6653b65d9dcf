// The avatar's request carries no Referer (the `picture` URL is chosen by the provider, or by
// whoever controls the claim; without `referrerpolicy="no-referrer"` the request would tell that
// server which page the user is on). The userinfo response of the real provider is given a
// `picture` on a loopback image server that records each request's headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { loginThroughProvider, poll, useBrowserAndStack } from './harness.mjs';

const fixture = useBrowserAndStack();

/** A 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

/** An image server on loopback that records the headers of every request. */
async function startImageServer() {
  const requests = [];
  const server = createServer((request, response) => {
    requests.push(request.headers);
    response.writeHead(200, { 'Content-Type': 'image/png', 'Cache-Control': 'no-store' });
    response.end(PNG);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/avatar.png`, requests, close: () => new Promise((resolve) => server.close(resolve)) };
}

test('the request for the avatar picture carries no Referer', { timeout: 30_000 }, async (t) => {
  const { browser, stack } = fixture;
  const images = await startImageServer();
  t.after(() => images.close());
  const context = await browser.newContext();
  t.after(() => context.close());
  // The provider's userinfo answer, with the picture on the image server.
  await context.route(stack.metadata.userinfo_endpoint, async (route) => {
    const response = await route.fetch();
    const claims = await response.json();
    await route.fulfill({ response, json: { ...claims, picture: images.url } });
  });
  const page = await context.newPage();
  await loginThroughProvider(page, stack, 'ada');
  await poll(() => page.evaluate(() => {
    const img = document.querySelector('pkce-login').shadowRoot.querySelector('img[part="avatar"]');
    return img?.complete && img.naturalWidth > 0;
  }), { describe: () => `image requests: ${images.requests.length}` });

  assert.equal(images.requests.length, 1, 'the avatar was requested once');
  assert.equal(images.requests[0].referer, undefined, `Referer sent: ${images.requests[0].referer}`);
});
