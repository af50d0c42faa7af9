/**
 * "Any endpoint that speaks the documented protocol must work as `server`":
 * two <p2p-call> elements (the BUILT dist/p2p-call.js, two isolated Chromium
 * contexts) make a call through doc-relay.ts, a relay written from
 * docs/protocol.md alone. The call must go the documented held-offer way
 * (the joiner answers the offer it got in its welcome), each side must decode
 * the other's video, and a page that goes away must show up as p2p-peer-left.
 *
 * Run: node --import tsx --test test/e2e/doc-relay.test.ts (needs dist/, /usr/bin/chromium).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startDocRelay, type DocRelay } from './doc-relay.js';
import { CALL_PAGE, collectPageLogs, launchChromium, newContext, ROOT, startStaticServer, waitForRemoteFrames, type StaticServer } from './helpers.js';

let relay: DocRelay;
let web: StaticServer;
let browser: Browser;

before(async () => {
  assert.ok(existsSync(path.join(ROOT, 'dist/p2p-call.js')), 'dist/p2p-call.js is missing: run `npm run build` first');
  [relay, web, browser] = await Promise.all([startDocRelay(), startStaticServer(ROOT, { '/call.html': CALL_PAGE }), launchChromium()]);
});
after(async () => {
  await browser?.close();
  await Promise.all([web?.close(), relay?.close()]);
});

/** Resolves with fn()'s first truthy value, polling every 50 ms. */
async function until<T>(what: string, fn: () => T | undefined | null | false, timeoutMs = 10000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface User { who: string; page: Page; logs: string[]; peer: string }

/** Opens the call page in a fresh context and resolves once the relay has seen it join `room`. */
async function open(who: string, room: string): Promise<User> {
  const page = await (await newContext(browser)).newPage();
  const logs = collectPageLogs(page, who);
  const seen = relay.events.length;
  await page.goto(`${web.url}/call.html?${new URLSearchParams({ room, server: relay.url })}`);
  const joined = await until(`${who} to join ${room}`, () =>
    relay.events.slice(seen).map((e) => /^join (\S+) (\S+)$/.exec(e)).find((m) => m?.[2] === room));
  return { who, page, logs, peer: joined[1]! };
}

/** Runs `body` with alice (in the room first, holding an offer) and bob (who joins and should take it). */
async function withCall(body: (alice: User, bob: User) => Promise<void>): Promise<void> {
  const room = `doc-${Math.random().toString(36).slice(2, 8)}`;
  const users: User[] = [];
  try {
    const alice = await open('alice', room);
    users.push(alice);
    // The held-offer path needs alice to hold an offer before bob joins.
    await until('alice to hold an offer', () => relay.events.some((e) => e.startsWith(`hold ${alice.peer} `)));
    const bob = await open('bob', room);
    users.push(bob);
    await body(alice, bob);
    // Every frame the element sent passed the relay's strict reading of the schema.
    const errors = relay.events.filter((e) => e.startsWith(`error to ${alice.peer}:`) || e.startsWith(`error to ${bob.peer}:`));
    assert.deepEqual(errors, [], 'the relay answered the element with errors');
  } catch (err) {
    const logs = users.flatMap((u) => u.logs).join('\n');
    throw new Error(`${(err as Error).message}\n--- page logs ---\n${logs}\n--- doc relay ---\n${relay.events.join('\n')}`, { cause: err });
  } finally {
    await Promise.all(users.map((u) => u.page.context().close().catch(() => {})));
  }
}

test('two <p2p-call>s call each other through a relay written from docs/protocol.md, by the held-offer path', { timeout: 45000 }, async () => {
  await withCall(async (alice, bob) => {
    const results = await Promise.all([alice, bob].map((u) => waitForRemoteFrames(u.page, { minFrames: 10, timeoutMs: 20000 })));
    for (const [i, r] of results.entries()) {
      assert.ok(r.frames >= 10 && r.width > 0, `${[alice, bob][i]!.who}: ${r.frames} frames, ${r.width}px wide`);
    }
    // Alice's held offer went to bob in his welcome, and the first description between them is bob's
    // answer (to that offer: alice made no other), with or without its optional offerId.
    const handed = relay.events.map((e) => new RegExp(`^held-offer (\\S+) ${alice.peer}->${bob.peer} `).exec(e)).find(Boolean);
    assert.ok(handed, `the relay handed no held offer of alice's to bob`);
    const between = relay.events.filter((e) => e.startsWith(`forward description/`) && (e.includes(`${alice.peer}->${bob.peer}`) || e.includes(`${bob.peer}->${alice.peer}`)));
    assert.match(between[0] ?? 'none', new RegExp(`^forward description/answer ${bob.peer}->${alice.peer}( offerId=${handed[1]})?$`), `bob's answer to held offer ${handed[1]} is not the first description between them`);
  });
});

test('when one page goes away, the other gets p2p-peer-left', { timeout: 45000 }, async (t) => {
  await withCall(async (alice, bob) => {
    await until('both to be in the call', () => relay.events.some((e) => e.startsWith(`forward description/answer ${bob.peer}->${alice.peer}`)));
    await alice.page.waitForFunction(() => (window as unknown as { events: string[] }).events.includes('p2p-joined'));
    await bob.page.context().close();
    const closed = Date.now();
    t.diagnostic(await until('the relay to see bob leave', () => relay.events.find((e) => e.startsWith(`peer-left ${bob.peer} `))));
    await alice.page.waitForFunction(() => (window as unknown as { events: string[] }).events.includes('p2p-peer-left'), undefined, { timeout: 10000 });
    t.diagnostic(`alice's p2p-peer-left ${Date.now() - closed} ms after bob's page closed`);
  });
});
