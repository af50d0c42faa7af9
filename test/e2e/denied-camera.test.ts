/**
 * A user who says no to the camera, for real: a Chromium without the
 * auto-grant flag, in a context with no permission, so the browser itself
 * rejects getUserMedia with NotAllowedError. That user must see a message,
 * not a blank box, and still see (and hear) the others; and once they allow
 * the camera in the browser, be seen without leaving the call.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { useE2E } from './fixture.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, newContext, waitForRemoteFrames } from './helpers.js';

// The fixture's browser grants the camera (fake UI); this one leaves the choice to the page's permissions.
const e2e = useE2E((relayUrl) => ({
  '/call.html': `<!doctype html><meta charset="utf-8">
<script type="module" src="/dist/p2p-call.js"></script>
<p2p-call server="${relayUrl}" style="display:block;width:640px;height:480px"></p2p-call>
<script>
  window.errors = [];
  const call = document.querySelector('p2p-call');
  call.addEventListener('p2p-error', (e) => window.errors.push(e.detail));
  call.setAttribute('room', new URLSearchParams(location.search).get('room'));
</script>`,
  // The call embedded in another site's page: another origin (localhost), and an <iframe> with no `allow`.
  '/embed.html': `<!doctype html><meta charset="utf-8"><iframe style="width:660px;height:500px"></iframe>
<script>document.querySelector('iframe').src = 'http://localhost:' + location.port + '/call.html' + location.search;</script>`,
}));
let denying: Browser;

before(async () => {
  denying = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS.filter((arg) => arg !== '--use-fake-ui-for-media-stream'),
  });
});

after(() => denying?.close());

test('a denied camera shows why inside the element, the call still shows the others, and allowing it later is enough', { timeout: 60000 }, async () => {
  const room = `denied-${Math.random().toString(36).slice(2, 8)}`;
  const viewerContext = await newContext(denying);
  const viewer = await viewerContext.newPage();
  await viewer.goto(`${e2e.web.url}/call.html?room=${room}`);
  const error = await viewer.waitForFunction(
    () => document.querySelector('p2p-call')!.shadowRoot!.querySelector('[part~="error"]')?.textContent,
    null,
    { timeout: 10000 },
  );
  assert.match(String(await error.jsonValue()), /denied/i);
  const errors = await viewer.evaluate(() => (window as unknown as { errors: { code: string }[] }).errors);
  assert.deepEqual(errors.map((e) => e.code), ['media-denied']);

  const sender = await (await newContext(e2e.browser)).newPage();
  await sender.goto(`${e2e.web.url}/call.html?room=${room}`);
  const seen = await waitForRemoteFrames(viewer, { minFrames: 10, timeoutMs: 20000 });
  assert.ok(seen.frames >= 10 && seen.width > 0, `the denied viewer decodes the other's video: ${JSON.stringify(seen)}`);

  // As when the user clicks the camera icon in the address bar and allows it: the browser's own permission change.
  await viewerContext.grantPermissions(['camera', 'microphone'], { origin: e2e.web.url });
  const seenBack = await waitForRemoteFrames(sender, { minFrames: 10, timeoutMs: 20000 });
  assert.ok(seenBack.frames >= 10 && seenBack.width > 0, `the other decodes the viewer's camera: ${JSON.stringify(seenBack)}`);
  await viewer.waitForFunction(() => !document.querySelector('p2p-call')!.shadowRoot!.querySelector('[part~="error"]'), null, {
    timeout: 5000,
  });
});

test('a call in an <iframe> that does not allow the camera says what the page must change, and still shows the others', { timeout: 60000 }, async () => {
  const room = `embedded-${Math.random().toString(36).slice(2, 8)}`;
  const host = await (await newContext(e2e.browser)).newPage();
  await host.goto(`${e2e.web.url}/embed.html?room=${room}`);
  const frame = (await (await host.waitForSelector('iframe')).contentFrame())!;
  const error = await frame.waitForFunction(
    () => document.querySelector('p2p-call')?.shadowRoot?.querySelector('[part~="error"]')?.textContent,
    null,
    { timeout: 10000 },
  );
  assert.match(String(await error.jsonValue()), /allow="camera; microphone"/);
  const errors = await frame.evaluate(() => (window as unknown as { errors: { code: string }[] }).errors);
  assert.deepEqual([...new Set(errors.map((e) => e.code))], ['media-blocked']);

  const sender = await (await newContext(e2e.browser)).newPage();
  await sender.goto(`${e2e.web.url}/call.html?room=${room}`);
  const seen = await waitForRemoteFrames(frame, { minFrames: 10, timeoutMs: 20000 });
  assert.ok(seen.frames >= 10 && seen.width > 0, `the embedded call decodes the other's video: ${JSON.stringify(seen)}`);
});
