/**
 * Two users, end to end, against the BUILT drop-in file: one Chromium, two
 * isolated contexts, each a page with `<script type="module" src="/dist/p2p-call.js">`
 * and `<p2p-call room server>`, the relay started as `npm run relay`.
 * Each side's remote <video> must really decode frames.
 *
 * Then the same call with each user on a relay of their own, the two relays
 * sharing rooms through a real redis-server (`REDIS_URL`).
 *
 * Needs `npm run build` first (npm test does it).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startRedisServer, type RedisServer } from '../node/redis-server.js';
import { useE2E } from './fixture.js';
import { collectPageLogs, newContext, startRelayProcess, waitForRemoteFrames } from './helpers.js';

// Room and server come from the page's query string: ?room=…&server=…
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>two users</title>
<script type="module" src="/dist/p2p-call.js"></script>
</head><body>
<p2p-call style="display:block;width:640px;height:480px"></p2p-call>
<script>
  // A classic script runs before the deferred module upgrades the element.
  const call = document.querySelector('p2p-call');
  const query = new URLSearchParams(location.search);
  call.setAttribute('room', query.get('room'));
  call.setAttribute('server', query.get('server'));
  window.remoteStreams = [];
  call.addEventListener('p2p-remote-stream', (e) => {
    window.remoteStreams.push({ peer: e.detail.peer, isStream: e.detail.stream instanceof MediaStream });
  });
</script>
</body></html>`;

const e2e = useE2E(() => ({ '/two-users.html': PAGE }));

/** Alice on `servers[0]`, Bob on `servers[1]`: both must decode the other's video. */
async function call(servers: [string, string], relayOutput: () => string): Promise<void> {
  const room = `e2e-${Math.random().toString(36).slice(2, 8)}`;
  const pages = await Promise.all(
    (['alice', 'bob'] as const).map(async (who, i) => {
      const context = await newContext(e2e.browser);
      const page = await context.newPage();
      const pageLogs = collectPageLogs(page, who);
      await page.goto(`${e2e.web.url}/two-users.html?${new URLSearchParams({ room, server: servers[i]! })}`);
      return { who, page, pageLogs };
    }),
  );
  try {
    const results = await Promise.all(pages.map(({ page }) => waitForRemoteFrames(page, { minFrames: 10, timeoutMs: 20000 })));
    for (const [i, r] of results.entries()) {
      assert.ok(r.frames >= 10, `${pages[i]!.who}: ${r.frames} frames`);
      assert.ok(r.width > 0, `${pages[i]!.who}: videoWidth ${r.width}`);
    }
    for (const { who, page } of pages) {
      const events = await page.evaluate(() => (window as unknown as { remoteStreams: { peer: string; isStream: boolean }[] }).remoteStreams);
      assert.ok(events.length >= 1, `${who}: no p2p-remote-stream event`);
      assert.ok(events.every((e) => e.isStream && typeof e.peer === 'string' && e.peer), `${who}: bad p2p-remote-stream detail ${JSON.stringify(events)}`);
    }
  } catch (err) {
    const all = pages.flatMap((p) => p.pageLogs).join('\n');
    throw new Error(`${(err as Error).message}\n--- page logs ---\n${all}\n--- relay output ---\n${relayOutput()}`, { cause: err });
  } finally {
    await Promise.all(pages.map(({ page }) => page.context().close()));
  }
}

test('two users in two browser contexts see each other’s video', { timeout: 60000 }, async () => {
  await call([e2e.relay.url, e2e.relay.url], () => e2e.relay.output());
});

test('two users on two relays sharing rooms through Redis see each other’s video', { timeout: 60000 }, async (t) => {
  const redis: RedisServer = await startRedisServer();
  t.after(() => redis.stop());
  const relays = await Promise.all([0, 1].map(() => startRelayProcess({ env: { REDIS_URL: redis.url } })));
  t.after(() => Promise.all(relays.map((r) => r.stop())));
  await call([relays[0]!.url, relays[1]!.url], () => relays.map((r) => r.output()).join('\n---\n'));
});
