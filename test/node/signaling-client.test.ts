/**
 * The browser transport, run in Node against the real relay: `ws` provides a
 * WebSocket with the same event-handler API the browser has.
 */
import { describe, it, after, type TestContext } from 'node:test';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import assert from 'node:assert/strict';
import { WebSocket, WebSocketServer } from 'ws';
import { createRelay, type Relay } from '../../signaling-server/index.js';
import { SignalingClient, type SignalingState } from '../../src/signaling/signaling-client.js';
import { backoffDelay } from '../../src/signaling/backoff.js';
import type { ServerMessage } from '../../src/protocol/messages.js';

/** Browsers report a failed connect as a close event; `ws` also throws an unhandled 'error'. */
class BrowserLikeWebSocket extends WebSocket {
  constructor(url: string) {
    super(url);
    this.on('error', () => {});
  }
}
Object.assign(globalThis, { WebSocket: BrowserLikeWebSocket });

function waitFor(check: () => boolean, what: string, timeout = 5000): Promise<void> {
  const deadline = Date.now() + timeout;
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (check()) resolve();
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

/**
 * A relay that accepts sockets and never answers anything, as one behind a
 * half-open connection looks to the client. Closed with its sockets when the test ends.
 */
async function muteRelay(
  t: TestContext,
): Promise<{
  url: string;
  readonly connections: number;
  readonly open: number;
  readonly frames: number;
  closeCodes: number[];
  say(message: ServerMessage): void;
}> {
  const mute = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(mute, 'listening');
  let connections = 0;
  let frames = 0;
  const closeCodes: number[] = [];
  mute.on('connection', (ws) => {
    connections++;
    ws.on('message', () => frames++);
    ws.on('close', (code) => closeCodes.push(code));
  });
  t.after(async () => {
    for (const ws of mute.clients) ws.terminate();
    await new Promise((r) => mute.close(r));
  });
  return {
    url: `ws://127.0.0.1:${(mute.address() as { port: number }).port}`,
    get connections() { return connections; },
    /** Sockets not closed yet. */
    get open() { return mute.clients.size; },
    /** Frames received: the first is a join, sent once the client's socket is open. */
    get frames() { return frames; },
    closeCodes,
    /** Sends to every socket: a frame that was on its way when the relay went silent. */
    say(message) {
      for (const ws of mute.clients) ws.send(JSON.stringify(message));
    },
  };
}

/** A client that joins `room` every time it (re)connects, recording what happens. */
function joiningClient(url: string, room: string, options = {}) {
  const states: SignalingState[] = [];
  const messages: ServerMessage[] = [];
  let unreachable = 0;
  const client: SignalingClient = new SignalingClient(
    url,
    {
      join: () => ({ type: 'join', room, peer: 'me' }),
      onMessage: (m) => messages.push(m),
      onStateChange: (s) => states.push(s),
      onUnreachable: () => unreachable++,
    },
    { backoff: { initialMs: 20, maxMs: 100 }, ...options },
  );
  return { client, states, messages, get opens() { return states.filter((s) => s === 'open').length; }, get unreachable() { return unreachable; } };
}

describe('backoff', () => {
  it('grows exponentially, is capped, and jitters within [ceiling/2, ceiling]', () => {
    const opts = { initialMs: 100, maxMs: 1000 };
    assert.equal(backoffDelay(0, opts, () => 0), 50);
    assert.equal(backoffDelay(0, opts, () => 1), 100);
    assert.equal(backoffDelay(3, opts, () => 1), 800);
    assert.equal(backoffDelay(10, opts, () => 1), 1000);
    assert.equal(backoffDelay(10, opts, () => 0), 500);
  });
});

describe('SignalingClient', () => {
  const relays: Relay[] = [];
  after(() => Promise.all(relays.map((r) => r.close())));

  it('re-joins by itself after the relay restarts on the same port', async () => {
    const first = await createRelay({ port: 0 });
    const port = first.port;
    const c = joiningClient(first.url, 'restart');
    c.client.connect();
    await waitFor(() => c.messages.some((m) => m.type === 'welcome'), 'the first welcome');
    await first.close();
    await waitFor(() => c.states.includes('reconnecting'), 'reconnecting state');

    const second = await createRelay({ port });
    relays.push(second);
    await waitFor(() => c.messages.filter((m) => m.type === 'welcome').length === 2, 'a welcome from the new relay');
    assert.equal(c.opens, 2);
    assert.equal(second.stats().peers, 1);
    // Each relay read the join in the URL and ignored the one sent once open (no already-joined).
    assert.deepEqual(c.messages.map((m) => m.type), ['welcome', 'welcome']);
    assert.equal(c.client.state, 'open');
    c.client.close();
    assert.equal(c.client.state, 'closed');
  });

  it('reports an unreachable relay once per outage, and keeps trying', async () => {
    const probe = await createRelay({ port: 0 });
    const port = probe.port;
    await probe.close();
    const c = joiningClient(`ws://127.0.0.1:${port}`, 'later');
    c.client.connect();
    await waitFor(() => c.unreachable === 1, 'unreachable report');
    await new Promise((r) => setTimeout(r, 300)); // several more attempts
    assert.equal(c.unreachable, 1);

    const relay = await createRelay({ port });
    relays.push(relay);
    await waitFor(() => c.messages.some((m) => m.type === 'welcome'), 'a welcome once the relay is up');
    c.client.close();
  });

  it('puts the join in the URL and sends it once open, so a relay that does not read URLs works too', async () => {
    // An endpoint that speaks the protocol but ignores the URL: it welcomes a join frame.
    const { WebSocketServer } = await import('ws');
    const endpoint = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => endpoint.once('listening', r));
    const urls: string[] = [];
    endpoint.on('connection', (ws, request) => {
      urls.push(request.url!);
      ws.on('message', (data) => {
        const { type, room, peer } = JSON.parse(String(data));
        if (type === 'join') ws.send(JSON.stringify({ type: 'welcome', protocol: 1, room, peer, peers: [], offers: [] }));
      });
    });
    const port = (endpoint.address() as { port: number }).port;
    const c = joiningClient(`ws://127.0.0.1:${port}/call?token=t`, 'plain');
    c.client.connect();
    await waitFor(() => c.messages.some((m) => m.type === 'welcome'), 'a welcome for the join sent once open');
    const url = new URL(urls[0]!, 'ws://x');
    assert.equal(url.pathname, '/call');
    assert.equal(url.searchParams.get('token'), 't', "the page's own query is kept");
    assert.deepEqual(JSON.parse(url.searchParams.get('join')!), { type: 'join', room: 'plain', peer: 'me' });
    c.client.close();
    await new Promise((r) => endpoint.close(r));
  });

  it('backs off from a relay that opens every socket and closes it at once (1013, its store down), and starts over and is open once one answers', async (t) => {
    // A relay with --turn says its ice-servers on every socket before it reads the join: that is no answer to it.
    const refusing = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(refusing, 'listening');
    let connections = 0;
    let answer = false;
    refusing.on('connection', (ws) => {
      connections++;
      if (answer) ws.send(JSON.stringify({ type: 'welcome', protocol: 1, room: 'down', peer: 'me', peers: [], offers: [] }));
      else {
        ws.send(JSON.stringify({ type: 'ice-servers', iceServers: [{ urls: ['turn:127.0.0.1:3478'], username: 'u', credential: 'c' }] }));
        ws.close(1013, 'try again later');
      }
    });
    t.after(() => new Promise((r) => refusing.close(r)));
    const c = joiningClient(`ws://127.0.0.1:${(refusing.address() as { port: number }).port}`, 'down', { backoff: { initialMs: 20, maxMs: 1000 } });
    t.after(() => c.client.close());
    c.client.connect();
    // Delays of 10-20, 20-40, 40-80 ... 320-640 ms: at most 7 connections in 1.2 s. Starting
    // over at each open, every 10-20 ms, it made ~70.
    await new Promise((r) => setTimeout(r, 1200));
    assert.ok(connections >= 3 && connections <= 7, `${connections} connections in 1.2 s`);
    // An open socket that is closed before any welcome is no connection back for the page to hear of.
    assert.deepEqual(c.states, ['connecting', 'reconnecting']);
    answer = true;
    await waitFor(() => c.messages.some((m) => m.type === 'welcome'), 'a welcome once the relay answers', 3000);
    assert.deepEqual(c.states, ['connecting', 'reconnecting', 'open']);
    const welcomedAfter = connections;
    refusing.clients.forEach((ws) => ws.close(1013));
    answer = false;
    // Started over: the first retry comes 10-20 ms later, not at the ceiling it had reached.
    await waitFor(() => connections > welcomedAfter, 'a quick reconnect', 200);
  });

  it('a relay that refuses the connection (4401): told, and a new url (only a new one) is dialled at once, not after the backoff', async () => {
    const relay = await createRelay({ port: 0, authorize: (request) => request.url!.includes('token=fresh') });
    relays.push(relay);
    let refused = 0;
    const messages: ServerMessage[] = [];
    const client = new SignalingClient(
      relay.url,
      { join: () => ({ type: 'join', room: 'r', peer: 'me' }), onMessage: (m) => messages.push(m), onRefused: () => refused++ },
      { backoff: { initialMs: 60_000, maxMs: 60_000 } }, // a retry would be 30-60 s away
    );
    client.connect();
    await waitFor(() => refused === 1 && client.state === 'reconnecting', 'the refusal');
    client.url = relay.url; // the same address again: nothing new to try
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(refused, 1);
    client.url = `${relay.url}/?token=fresh`;
    await waitFor(() => messages.some((m) => m.type === 'welcome'), 'a welcome, long before the retry was due');
    assert.equal(refused, 1);
    client.close();
  });

  it('a new url while an attempt is still waiting to be let in: that attempt is dropped and the new url dialled at once', async (t) => {
    const mute = await muteRelay(t);
    const relay = await createRelay({ port: 0 });
    relays.push(relay);
    const c = joiningClient(mute.url, 'r', { backoff: { initialMs: 60_000, maxMs: 60_000 } }); // a retry would be 30-60 s away
    t.after(() => c.client.close());
    c.client.connect();
    await waitFor(() => mute.frames === 1, 'the join to reach a relay that will never answer it');
    c.client.url = relay.url;
    await waitFor(() => c.messages.some((m) => m.type === 'welcome'), 'a welcome at the new url, long before a retry');
    await waitFor(() => mute.open === 0, 'the old attempt to be closed');
    assert.equal(mute.connections, 1);
    // Not 1000: had the relay let that attempt in, it would tell the others I left.
    assert.deepEqual(mute.closeCodes, [4000]);
  });

  it('a page that answers every refusal with a new url: the second in a row waits for the retry, so a relay that refuses them all is not dialled in a loop', async () => {
    let dials = 0;
    const relay = await createRelay({ port: 0, authorize: () => (dials++, false) });
    relays.push(relay);
    let fetched = 0;
    const client: SignalingClient = new SignalingClient(
      relay.url,
      { join: () => ({ type: 'join', room: 'r', peer: 'me' }), onMessage: () => {}, onRefused: () => (client.url = `${relay.url}/?token=${++fetched}`) },
      { backoff: { initialMs: 1000, maxMs: 1000 } }, // a retry every 0.5-1 s
    );
    client.connect();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    client.close();
    // The first dial, the first new url at once, then at most two per retry (the retry, and a new url at once).
    assert.ok(dials >= 3 && dials <= 6, `${dials} dials in 1.5 s`);
  });

  it('the network back (online) while waiting out a backoff: dialled at once', async (t) => {
    const events = new EventTarget();
    Object.assign(globalThis, { addEventListener: events.addEventListener.bind(events), removeEventListener: events.removeEventListener.bind(events) });
    t.after(() => Object.assign(globalThis, { addEventListener: undefined, removeEventListener: undefined }));
    const free = createServer().listen(0, '127.0.0.1');
    await once(free, 'listening');
    const { port } = free.address() as AddressInfo;
    await new Promise((resolve) => free.close(resolve)); // nothing there, for now
    const c = joiningClient(`ws://127.0.0.1:${port}`, 'back', { backoff: { initialMs: 60_000, maxMs: 60_000 } });
    t.after(() => c.client.close());
    c.client.connect();
    await waitFor(() => c.unreachable === 1, 'the first attempt to fail');
    relays.push(await createRelay({ port, host: '127.0.0.1' }));
    events.dispatchEvent(new Event('online'));
    await waitFor(() => c.messages.some((m) => m.type === 'welcome'), 'a welcome, long before the retry (30-60 s)');
  });

  it('gives up on a server that takes the connection and never answers the handshake: unreachable, and tried again', async (t) => {
    const connections: Socket[] = [];
    const silent = createServer((socket) => connections.push(socket)); // TCP only: no HTTP, no upgrade
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    t.after(() => {
      for (const socket of connections) socket.destroy();
      silent.close();
    });
    const c = joiningClient(`ws://127.0.0.1:${(silent.address() as AddressInfo).port}`, 'never', { heartbeatMs: 200 });
    t.after(() => c.client.close());
    c.client.connect();
    await waitFor(() => c.unreachable === 1, 'unreachable report', 2000);
    await waitFor(() => connections.length >= 2, 'another attempt', 2000);
    assert.deepEqual(c.states.slice(0, 2), ['connecting', 'reconnecting']);
  });

  it('sends nothing and says so while disconnected', () => {
    const c = joiningClient('ws://127.0.0.1:9', 'none');
    assert.equal(c.client.send({ type: 'ping' }), false);
  });

  it('treats a silent relay as dead and reconnects (heartbeat)', async (t) => {
    const mute = await muteRelay(t);
    const c = joiningClient(mute.url, 'silent', { heartbeatMs: 50 });
    t.after(() => c.client.close());
    c.client.connect();
    await waitFor(() => mute.connections >= 2, 'a second connection after the heartbeat gave up');
  });

  /** A client joined through a relay that has gone silent (a socket that died unseen), heartbeat every 2 s. */
  async function asleep(t: TestContext, room: string) {
    const mute = await muteRelay(t);
    const c = joiningClient(mute.url, room, { heartbeatMs: 2000 });
    t.after(() => c.client.close());
    c.client.connect();
    await waitFor(() => mute.frames === 1, 'the join, sent once the socket is open');
    return { mute, client: c.client };
  }

  it('probe(): a socket that died unseen is replaced within half a heartbeat, long before the heartbeat would', async (t) => {
    const { mute, client } = await asleep(t, 'asleep');
    client.probe();
    // The heartbeat alone: a ping at 2 s, the verdict at 4 s.
    await waitFor(() => mute.connections >= 2, 'a new connection after the probe went unanswered', 1800);
  });

  it('probe(): asked again while a probe waits, the verdict keeps the first deadline', async (t) => {
    const { mute, client } = await asleep(t, 'asked-twice');
    const since = performance.now();
    client.probe();
    await new Promise((r) => setTimeout(r, 600));
    client.probe(); // (a connection slow to come up, after `online`)
    await waitFor(() => mute.connections >= 2, 'a new connection after the first probe went unanswered', 1800);
    assert.ok(performance.now() - since < 1500, 'by the first probe’s deadline (1 s), not the second’s (1.6 s)');
  });

  it('probe(): a frame that is not the answer to its ping does not keep a dead socket', async (t) => {
    const { mute, client } = await asleep(t, 'late-frame');
    await waitFor(() => mute.frames === 2, 'the heartbeat’s first ping (at 2 s)', 2500);
    client.probe();
    await waitFor(() => mute.frames === 3, 'the probe’s ping');
    // Sent before the link died, arriving after the probe's ping: no proof that the relay heard it.
    mute.say({ type: 'pong' }); // the heartbeat ping's answer
    mute.say({ type: 'peer-left', peer: 'bob', reason: 'left' });
    await waitFor(() => mute.connections >= 2, 'a new connection after the probe went unanswered', 1800);
  });

  it('probe(): asked again after the waiting probe was answered, it asks anew', async (t) => {
    const { mute, client } = await asleep(t, 'answered-then-died');
    client.probe(); // `online`: the socket is fine
    await waitFor(() => mute.frames === 2, 'the first probe’s ping');
    mute.say({ type: 'pong' });
    await new Promise((r) => setTimeout(r, 300));
    const since = performance.now();
    client.probe(); // the socket died since (the network changed again, or a connection is slow to come up)
    await waitFor(() => mute.frames === 3, 'the second probe’s own ping', 500);
    await waitFor(() => mute.connections >= 2, 'a new connection after the second probe went unanswered', 1800);
    assert.ok(performance.now() - since < 1500, 'by the second probe’s deadline (1 s)');
  });

  it('probe(): asked while the socket is still opening, it asks once it opens', async (t) => {
    const mute = await muteRelay(t);
    const c = joiningClient(mute.url, 'woke-while-opening', { heartbeatMs: 2000 });
    t.after(() => c.client.close());
    c.client.connect();
    c.client.probe(); // `online` just as it dialled
    await waitFor(() => mute.frames === 2, 'the join, then the probe’s ping', 1000);
    // The heartbeat alone: a ping at 2 s, the verdict at 4 s.
    await waitFor(() => mute.connections >= 2, 'a new connection after the probe went unanswered', 1800);
  });

  it('probe(): a rate-limited error in place of its pong is an answer, and the socket is kept', async (t) => {
    const { mute, client } = await asleep(t, 'rate-limited');
    client.probe();
    await waitFor(() => mute.frames === 2, 'the probe’s ping');
    mute.say({ type: 'error', code: 'rate-limited', message: 'over the limit' });
    await new Promise((r) => setTimeout(r, 1300)); // past the probe's deadline (1 s)
    assert.equal(mute.connections, 1, 'no reconnect');
  });

  it('probe(): a live socket answers and is kept', async () => {
    const relay = await createRelay({ port: 0 });
    relays.push(relay);
    const c = joiningClient(relay.url, 'awake', { heartbeatMs: 200 });
    c.client.connect();
    await waitFor(() => c.messages.some((m) => m.type === 'welcome'), 'the welcome');
    c.client.probe();
    await new Promise((r) => setTimeout(r, 300)); // past the probe's deadline (100 ms)
    assert.deepEqual(c.states, ['connecting', 'open'], 'no reconnect');
    c.client.close();
  });

  it('keeps a live socket whose heartbeat timer fires late (a throttled background tab)', async () => {
    // Chrome runs the timers of a page hidden for 5 minutes once a minute; the
    // socket is fine and the relay answers each ping at once. Holding the event
    // loop for several intervals makes the timer late in the same way.
    const relay = await createRelay({ port: 0 });
    relays.push(relay);
    const c = joiningClient(relay.url, 'hidden-tab', { heartbeatMs: 50 });
    c.client.connect();
    await waitFor(() => c.messages.some((m) => m.type === 'welcome'), 'the welcome');
    for (let late = 0; late < 3; late++) {
      const until = Date.now() + 250;
      while (Date.now() < until); // five intervals without a timer
      await new Promise((r) => setTimeout(r, 120)); // the late tick pings, and the relay answers
    }
    assert.deepEqual(c.states, ['connecting', 'open'], 'no reconnect');
    c.client.close();
  });
});
