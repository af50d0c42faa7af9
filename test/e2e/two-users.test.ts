/**
 * Two users, end to end, against the BUILT drop-in file: one Chromium, two
 * isolated contexts, each a page with `<script type="module" src="/dist/p2p-call.js">`
 * and `<p2p-call room server>`, the relay started as `npm run relay`.
 * Each side's remote <video> must really decode frames.
 *
 * Then the same call on an https site with the relay on its own web server,
 * reached as `server="/relay"` (so over wss), where a ws:// relay elsewhere is
 * refused by the browser and the element says why; and with each user on a relay of their own, the two relays
 * sharing rooms through a real redis-server (`REDIS_URL`), and that call
 * going on while that Redis hangs.
 *
 * Needs `npm run build` first (npm test does it).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startRedisServer, type RedisServer } from '../node/redis-server.js';
import { useE2E } from './fixture.js';
import type { Page } from 'playwright-core';
import { createRelay } from '../../signaling-server/index.js';
import { CALL_PAGE, collectPageLogs, newContext, nextErrorCode, ROOT, startRelayProcess, startStaticServer, waitForRemoteFrames } from './helpers.js';

const e2e = useE2E(() => ({ '/two-users.html': CALL_PAGE }));

type Pages = { who: string; page: Page }[];

/**
 * Alice on `servers[0]`, Bob on `servers[1]`: both must decode the other's
 * video. `then`, if given, runs in the call that is up. The pages come from `site`.
 */
async function call(
  servers: [string, string],
  relayOutput: () => string,
  then?: (pages: Pages) => Promise<void>,
  site = e2e.web.url,
  /** If given, Alice's page is opened first and Bob's once this resolves; else both at once. */
  aliceWaiting?: () => Promise<void>,
): Promise<void> {
  const room = `e2e-${Math.random().toString(36).slice(2, 8)}`;
  const open = async (who: 'alice' | 'bob', i: number) => {
    const context = await newContext(e2e.browser, { ignoreHTTPSErrors: true }); // test/e2e/tls is self-signed
    const page = await context.newPage();
    const pageLogs = collectPageLogs(page, who);
    await page.goto(`${site}/two-users.html?${new URLSearchParams({ room, server: servers[i]! })}`);
    return { who, page, pageLogs };
  };
  const pages: Awaited<ReturnType<typeof open>>[] = [];
  try {
    if (aliceWaiting) {
      pages.push(await open('alice', 0));
      await aliceWaiting();
      pages.push(await open('bob', 1));
    } else pages.push(...(await Promise.all((['alice', 'bob'] as const).map(open))));
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
    await then?.(pages);
  } catch (err) {
    const all = pages.flatMap((p) => p.pageLogs).join('\n');
    throw new Error(`${(err as Error).message}\n--- page logs ---\n${all}\n--- relay output ---\n${relayOutput()}`, { cause: err });
  } finally {
    await Promise.all(pages.map(({ page }) => page.context().close()));
  }
}

test('two users in two browser contexts see each other’s video; when Bob closes his tab, Alice hears that he left', { timeout: 60000 }, async () => {
  await call([e2e.relay.url, e2e.relay.url], () => e2e.relay.output(), async ([alice, bob]) => {
    const heard = alice!.page.evaluate(() => new Promise((resolve) => document.querySelector('p2p-call')!.addEventListener('p2p-peer-left', (e) => resolve((e as CustomEvent).detail.reason))));
    // The tab's socket closes with 1001, which the relay takes for `lost` (a frozen page sends it too): the element says goodbye at pagehide.
    await bob!.page.close();
    assert.equal(await heard, 'left');
  });
});

test('a relay that hands out TURN credentials holds the first user’s offer for the next, and the two see each other’s video', { timeout: 60000 }, async () => {
  // The TURN server named is nowhere: the call goes over host candidates, as most calls do.
  const relay = await createRelay({ port: 0, turn: { urls: 'turn:127.0.0.1:9', secret: 'any secret will do here' } });
  try {
    await call([relay.url, relay.url], () => `(in this process) ${JSON.stringify(relay.stats())}`, undefined, e2e.web.url, async () => {
      // Chromium took the relay's ICE servers as an ICE restart to negotiate on a connection made
      // ahead of need, which then could not make the held offer: joiners waited for a round trip.
      const deadline = Date.now() + 10000;
      while (relay.stats().heldOffers < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(relay.stats().heldOffers, 1, 'the first user’s offer, held for the next');
    });
  } finally {
    await relay.close();
  }
});

test('an https site with the relay on its own web server, as server="/relay": two users see each other’s video over wss; a ws:// relay elsewhere is refused, and the element says why', { timeout: 60000 }, async () => {
  const site = await startStaticServer(ROOT, { '/two-users.html': CALL_PAGE }, { https: true });
  const relay = await createRelay({ server: site.server });
  try {
    await call(['/relay', '/relay'], () => `(in this process) ${JSON.stringify(relay.stats())}`, async ([{ page: alice }]) => {
      const refused = nextErrorCode(alice);
      // Browsers block ws:// from an https page (mixed content) unless it is on this machine.
      await alice.evaluate(() => document.querySelector('p2p-call')!.setAttribute('server', 'ws://relay.example:8787'));
      assert.equal(await refused, 'relay-insecure');
      const shown = await alice.evaluate(() => document.querySelector('p2p-call')!.shadowRoot!.querySelector('[part~="error"]')?.textContent);
      assert.match(String(shown), /This page is https.*ws:\/\/relay\.example:8787.*wss:\/\//);
      // Given up, not retried: the call is over and the camera let go.
      const events = await alice.evaluate(() => (window as unknown as { events: string[] }).events);
      assert.equal(events.at(-1), 'signaling closed', events.join(', '));
      assert.deepEqual(await alice.evaluate(() => (document.querySelector('p2p-call') as unknown as { localStream: MediaStream | null }).localStream?.getTracks().filter((t) => t.readyState === 'live').length ?? 0), 0);
    }, site.url);
  } finally {
    await relay.close();
    await site.close();
  }
});

test('two users on two relays sharing rooms through Redis see each other’s video, and the call goes on while Redis hangs', { timeout: 60000 }, async (t) => {
  const redis: RedisServer = await startRedisServer();
  t.after(() => redis.stop());
  const relays = await Promise.all([0, 1].map(() => startRelayProcess({ env: { REDIS_URL: redis.url } })));
  t.after(() => Promise.all(relays.map((r) => r.stop())));
  await call([relays[0]!.url, relays[1]!.url], () => relays.map((r) => r.output()).join('\n---\n'), async (pages) => {
    const [alice, bob] = pages.map(({ page }) => page) as [Page, Page];
    const events = (page: Page) => page.evaluate(() => (window as unknown as { events: string[] }).events);
    const joinedBefore = (await events(alice)).filter((type) => type === 'p2p-joined').length;
    process.kill(redis.pid, 'SIGSTOP');
    // Muting sends a status, which needs Redis: after the relay's command timeout (5 s) alice's
    // socket is closed with 1013, and her element reconnects and joins again, which waits.
    await alice.evaluate(() => void ((document.querySelector('p2p-call') as unknown as { muted: boolean }).muted = true));
    await alice.waitForFunction(() => (window as unknown as { events: string[] }).events.includes('signaling reconnecting'), undefined, { timeout: 10000 });
    process.kill(redis.pid, 'SIGCONT');
    await alice.waitForFunction((n) => (window as unknown as { events: string[] }).events.filter((type) => type === 'p2p-joined').length > n, joinedBefore, { timeout: 15000 });
    for (const [who, page] of [['alice', alice], ['bob', bob]] as const) {
      assert.deepEqual((await events(page)).filter((type) => type === 'p2p-peer-left'), [], `${who} heard nobody leave`);
      assert.ok((await waitForRemoteFrames(page, { minFrames: 10, timeoutMs: 10000 })).frames >= 10, `${who} still decodes video`);
      const streams = await page.evaluate(() => (window as unknown as { remoteStreams: unknown[] }).remoteStreams.length);
      assert.equal(streams, 1, `${who}: the same connection, not a new one`);
    }
  });
});
