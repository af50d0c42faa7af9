/**
 * The pages in examples/, as people copy them: each loads the BUILT drop-in
 * file and is driven here by clicks, two users in two browser contexts, through
 * the relay started as `npm run relay`; and examples/own-server.mjs, run as
 * people run it. An example that stops working (an API it uses changed, say)
 * fails here, not in someone's copy of it. So does the demo, the first page a
 * newcomer opens (with ?dist, the built file).
 *
 * Needs `npm run build` first (npm test does it).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { test, type TestContext } from 'node:test';
import type { BrowserContextOptions, Page } from 'playwright-core';
import { rawRequest, TestClient } from '../node/relay-client.js';
import { useE2E } from './fixture.js';
import { collectPageLogs, newContext, nextErrorCode, ROOT, waitForRemoteFrames } from './helpers.js';

const e2e = useE2E();

/** Opens an example (or another page: `demo/`) as a new user; its console and errors go to `logs`, for a failure message. */
async function open(example: string, query: Record<string, string>, logs: string[][], context?: BrowserContextOptions): Promise<Page> {
  const page = await (await newContext(e2e.browser, context)).newPage();
  logs.push(collectPageLogs(page, query.name ?? example));
  const where = example.includes('/') ? example : `examples/${example}`;
  await page.goto(`${e2e.web.url}/${where}?${new URLSearchParams({ server: e2e.relay.url, ...query })}`);
  return page;
}

const room = () => `example-${Math.random().toString(36).slice(2, 8)}`;
const text = (page: Page, selector: string) => page.locator(selector).innerText();

/** Polls `read` until it returns `want` (or the test's own timeout ends it). */
async function until<T>(read: () => Promise<T>, want: T, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  let last: T;
  while ((last = await read()) !== want) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(last)}, not ${JSON.stringify(want)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('demo/: two tabs call each other and its line says so; its second-tab link is the room without this tab’s name; a relay not there is explained', { timeout: 60_000 }, async () => {
  const logs: string[][] = [];
  const where = room();
  const [alice, bob] = await Promise.all(['Alice', 'Bob'].map((name) => open('demo/', { dist: '', room: where, name }, logs)));
  try {
    await Promise.all([alice, bob].map((page) => waitForRemoteFrames(page, { timeoutMs: 20_000 })));
    await until(() => text(alice, '#demo-status'), 'Connected peer to peer with 1 other person. Open more tabs to add more.', 'the demo’s line');
    const link = new URL((await alice.locator('#second-tab').getAttribute('href'))!);
    assert.equal(link.searchParams.get('room'), where);
    assert.equal(link.searchParams.has('name'), false, 'the second tab is someone else');

    const lonely = await open('demo/', { dist: '', room: room(), server: 'ws://127.0.0.1:9' }, logs);
    await until(() => text(lonely, '#demo-status'), 'Is the relay at ws://127.0.0.1:9 running?', 'the demo’s line with no relay');
    await lonely.context().close();
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- page logs ---\n${logs.flat().join('\n')}`, { cause: err });
  } finally {
    await Promise.all([alice, bob].map((page) => page.context().close()));
  }
});

test('demo/ on a phone: every button and picker is a finger’s size (44 px tall), a mouse’s smaller', { timeout: 30_000 }, async () => {
  const logs: string[][] = [];
  const heights = async (context?: BrowserContextOptions) => {
    const page = await open('demo/', { dist: '', room: room(), name: 'Phone' }, logs, context);
    await page.locator('p2p-call').locator('[part~="leave-button"]').waitFor();
    const sizes = await page.locator('p2p-call').evaluate((call) =>
      [...call.shadowRoot!.querySelectorAll('[part~="controls"] :is(button, select)')].map((control) => control.getBoundingClientRect().height),
    );
    await page.context().close();
    return sizes;
  };
  const finger = await heights({ viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true });
  assert.ok(finger.length >= 3 && finger.every((height) => height >= 44), `with touch: ${finger.join(', ')} px\n${logs.flat().join('\n')}`);
  assert.ok((await heights()).every((height) => height < 44), 'with a mouse, as before');
});

test('examples/own-controls.html: its buttons mute, turn the camera off and leave; its list follows', { timeout: 60_000 }, async () => {
  const logs: string[][] = [];
  const where = room();
  const [alice, bob] = await Promise.all(['Alice', 'Bob'].map((name) => open('own-controls.html', { room: where, name }, logs)));
  try {
    await Promise.all([alice, bob].map((page) => waitForRemoteFrames(page, { timeoutMs: 20_000 })));
    assert.equal(await text(bob, '#people'), 'Alice');
    // The element's own toolbar is hidden: these buttons are the only controls.
    assert.equal(await alice.locator('p2p-call [part~="controls"]').count(), 0);

    await alice.click('#mute');
    await alice.click('#camera');
    await until(() => text(bob, '#people'), 'Alice (muted, camera off)', 'Bob’s list');
    assert.deepEqual(
      await Promise.all(['#mute', '#camera'].map((b) => alice.locator(b).getAttribute('aria-pressed'))),
      ['true', 'true'],
    );

    await alice.click('#leave');
    await until(() => text(bob, '#people'), '', 'Bob’s list once Alice left');
    assert.equal(await text(alice, '#leave'), 'Join again');
    await alice.click('#leave');
    await until(() => text(bob, '#people'), 'Alice (muted, camera off)', 'Bob’s list once Alice is back');
    assert.equal(await text(alice, '#leave'), 'Leave');
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- page logs ---\n${logs.flat().join('\n')}`, { cause: err });
  } finally {
    await Promise.all([alice, bob].map((page) => page.context().close()));
  }
});

test('examples/join-on-click.html: nothing is captured until Join; then a call, and Leave unlocks the form', { timeout: 60_000 }, async () => {
  const logs: string[][] = [];
  const where = room();
  const [carol, dan] = await Promise.all([open('join-on-click.html', {}, logs), open('join-on-click.html', { room: where }, logs)]);
  try {
    const captured = (page: Page) => page.evaluate(() => (document.querySelector('p2p-call') as unknown as { localStream: unknown }).localStream !== null);
    assert.equal(await captured(carol), false, 'the camera is not opened before Join');
    assert.match(await text(carol, 'p2p-call [part~="status"]'), /Not in the call/);

    await carol.fill('input[name=name]', 'Carol');
    await carol.fill('input[name=room]', where);
    await carol.click('form button');
    await dan.click('form button'); // his room came from the URL
    await Promise.all([carol, dan].map((page) => waitForRemoteFrames(page, { timeoutMs: 20_000 })));
    assert.equal(await captured(carol), true);
    assert.equal(await carol.locator('input[name=room]').isDisabled(), true, 'the form is locked in a call');

    await carol.locator('p2p-call [part~="leave-button"]').click();
    await until(() => carol.locator('input[name=room]').isDisabled(), false, 'the form after Leave');
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- page logs ---\n${logs.flat().join('\n')}`, { cause: err });
  } finally {
    await Promise.all([carol, dan].map((page) => page.context().close()));
  }
});

/** Runs examples/own-server.mjs as people do, on `port` (0: any free one); killed when the test ends. */
async function startOwnServer(t: TestContext, port = 0): Promise<{ child: ChildProcess; site: string }> {
  const child = spawn(process.execPath, ['examples/own-server.mjs'], { cwd: ROOT, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill());
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  const site = /^Open (http:\/\/127\.0\.0\.1:\d+)\//.exec(line)?.[1];
  assert.ok(site, line);
  return { child, site };
}

/** Resolves once the page's `<p2p-call>` has drawn `count` more remote video frames (rejects after 10 s). */
function moreFrames(page: Page, count = 10): Promise<unknown> {
  return page.evaluate((count) => {
    const video = document.querySelector('p2p-call')!.shadowRoot!.querySelector('video[part~="remote-video"]') as HTMLVideoElement;
    return new Promise((resolve, reject) => {
      let seen = 0;
      const onFrame = () => (++seen >= count ? resolve(seen) : video.requestVideoFrameCallback(onFrame));
      video.requestVideoFrameCallback(onFrame);
      setTimeout(() => reject(new Error(`${seen} new frames in 10 s`)), 10_000);
    });
  }, count);
}

test('examples/own-server.mjs: one port for page and relay; its pages call each other, keep the call through a restart that forgets their tokens, may not join another room, and a socket without a token is closed with 4401', { timeout: 60_000 }, async (t) => {
  let { child, site } = await startOwnServer(t);

  const logs: string[][] = [];
  const where = room();
  const pages = await Promise.all(
    ['Erin', 'Finn'].map(async (name) => {
      const page = await (await newContext(e2e.browser)).newPage();
      logs.push(collectPageLogs(page, name));
      await page.goto(`${site}/?room=${where}`);
      return page;
    }),
  );
  try {
    await Promise.all(pages.map((page) => waitForRemoteFrames(page, { timeoutMs: 20_000 })));

    // The server restarts and forgets every token: each page is refused, fetches a new one
    // (the example's own script), and is back in the room, its call never dropped.
    await Promise.all(
      pages.map((page) =>
        page.evaluate(() => {
          const call = document.querySelector('p2p-call')!;
          const seen: string[] = ((window as unknown as { seen: string[] }).seen = []);
          for (const type of ['p2p-error', 'p2p-joined', 'p2p-peer-left', 'p2p-left'])
            call.addEventListener(type, (e) => seen.push(type === 'p2p-error' ? (e as CustomEvent).detail.code : type));
        }),
      ),
    );
    child.kill();
    await once(child, 'exit');
    ({ child, site } = await startOwnServer(t, Number(new URL(site).port)));
    const seen = (page: Page) => page.evaluate(() => (window as unknown as { seen: string[] }).seen.join(' '));
    for (const page of pages) {
      await until(async () => (await seen(page)).endsWith('p2p-joined'), true, 'back in the room');
      // Unreachable first if it retried before the server was back; nobody left.
      assert.match(await seen(page), /^(relay-unreachable )?unauthorized p2p-joined$/);
    }
    await Promise.all(pages.map((page) => moreFrames(page)));
    assert.equal(await pages[0]!.locator('p2p-call [part~="error"]').count(), 0);

    // The token was handed out for this room: the same page may not take it elsewhere.
    const refused = nextErrorCode(pages[0]!);
    await pages[0]!.locator('p2p-call').evaluate((element) => element.setAttribute('room', 'someone-elses'));
    assert.equal(await refused, 'forbidden');
    assert.match(await text(pages[0]!, 'p2p-call [part~="error"]'), /does not let you join this room/);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- page logs ---\n${logs.flat().join('\n')}`, { cause: err });
  } finally {
    await Promise.all(pages.map((page) => page.context().close()));
  }
  assert.equal(await TestClient.refusal(`${site.replace('http:', 'ws:')}/relay?token=guessed`), 4401);

  // A request whose target no URL parser takes is a 400, not the end of the server.
  const odd = rawRequest(Number(new URL(site).port), 'GET //[ HTTP/1.1\r\nHost: site\r\nConnection: close\r\n\r\n');
  await once(odd.socket, 'close');
  assert.match(odd.heard(), /^HTTP\/1\.1 400 /);
  assert.equal((await fetch(`${site}/token?room=lobby`)).status, 200);
  // A room name it does not take is said so, not swapped for "lobby", which is somebody else's call.
  const odder = await fetch(`${site}/?room=other%20room`);
  assert.equal(odder.status, 400);
  assert.match(await odder.text(), /room name/);
});
