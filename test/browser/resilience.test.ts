/**
 * Calls that survive the network: a relay restart or refusal, a relay socket
 * gone silent, and people who vanish without saying goodbye (a TURN server
 * that dies: media-path.test.ts).
 * The infrastructure is real and is broken for real through server commands
 * (web-test-runner.config.mjs: restart-relay; plugins/turn.mjs; plugins/peers.mjs).
 */
import { expect } from 'chai';
import type { P2PCallElement } from '../../src/index.js';
import { UNAUTHORIZED } from '../../src/protocol/close-codes.js';
import {
  eachOnAnEmptyRelay,
  errorText,
  expectDecodesVideoFrom,
  expectMoreFrames,
  framesDecoded,
  joinAs,
  joinsAs,
  mountCall,
  nextEvent,
  record,
  relayStats,
  relayUrl,
  serverCommand,
  sleep,
  statusText,
  tilePeers,
  turnAttributes,
  twoInACall,
  uniqueRoom,
  until,
  watchedCall,
  type Timeout,
  type Turn,
} from './helpers.js';


/** Mounts someone alone in a room, once the relay holds their offer for the next to join. */
async function holdingAnOffer(attributes: Parameters<typeof mountCall>[0]): Promise<P2PCallElement> {
  const element = mountCall(attributes);
  await nextEvent(element, 'p2p-joined');
  await until(async () => (await relayStats()).heldOffers === 1, `${attributes.name}’s offer held`);
  return element;
}

interface LaggingConnection {
  /** The connection that lags, once made. */
  readonly connection: RTCPeerConnection | undefined;
  /** Puts the real RTCPeerConnection back, for the connections made from now on. */
  restore(): void;
}

/**
 * The next call connection made reads `connecting` for good, whatever it
 * really is: the page's view of it lagging WebRTC's, stretched.
 */
function lagNextConnection(): LaggingConnection {
  const RealPeerConnection = window.RTCPeerConnection;
  let lagging: RTCPeerConnection | undefined;
  window.RTCPeerConnection = class extends RealPeerConnection {
    constructor(config?: RTCConfiguration) {
      super(config);
      if (lagging || config?.bundlePolicy !== 'max-bundle') return; // a call's connection, not an ICE-server check
      lagging = this;
      Object.defineProperty(this, 'connectionState', { get: () => 'connecting' });
    }
  };
  return {
    get connection() { return lagging; },
    restore: () => void (window.RTCPeerConnection = RealPeerConnection),
  };
}

/**
 * Every address the page opens a WebSocket to from now on, until stop():
 * watched, not replaced (the real WebSocket does the work), and those not
 * closed yet (`live`). `onClose` gets each one's close code, after the page's
 * own handlers have seen the close.
 */
function watchSockets(onClose?: (code: number, url: string) => void): { opened: string[]; live: WebSocket[]; stop(): void } {
  const opened: string[] = [];
  const live: WebSocket[] = [];
  const RealWebSocket = window.WebSocket;
  window.WebSocket = class extends RealWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      opened.push(String(url));
      super(url, protocols);
      live.push(this);
      this.addEventListener('close', ({ code }) => {
        live.splice(live.indexOf(this), 1);
        setTimeout(() => onClose?.(code, String(url)));
      });
    }
  };
  return { opened, live, stop: () => (window.WebSocket = RealWebSocket) };
}

describe('<p2p-call>: calls survive the network', () => {
  eachOnAnEmptyRelay('stop-turn', 'ghost-cleanup');

  it('a relay restart does not drop the call; both re-join; a newcomer gets in afterwards', async function () {
    (this as Timeout).timeout(40_000);
    const [alice, bob] = await twoInACall();
    const pcs = [alice.connectionTo(bob.peerId)!, bob.connectionTo(alice.peerId)!] as const;
    const watched = [alice, bob].map((element) => ({
      left: record(element, 'p2p-peer-left'),
      states: record(element, 'p2p-connection-state'),
      signaling: record(element, 'p2p-signaling-state'),
      joined: record(element, 'p2p-joined'),
    }));

    // The relay goes away for 2 s, then comes back on the same port, empty.
    const restarted = serverCommand('restart-relay', { downMs: 2000 });
    await until(
      () => watched.every((w) => w.signaling.some((s) => s.state === 'reconnecting')),
      'both to notice the relay is gone',
    );
    // While the relay is down, media keeps flowing peer to peer.
    await Promise.all([
      expectMoreFrames(pcs[0], 'by Alice while the relay is down', 10, 1500),
      expectMoreFrames(pcs[1], 'by Bob while the relay is down', 10, 1500),
    ]);
    await alice.updateComplete;
    expect(statusText(alice)).to.match(/reconnect/i);
    expect(watched.map((w) => w.joined.length), 'nobody re-joined a relay that is down').to.deep.equal([0, 0]);
    // What Alice changes meanwhile reaches Bob once both are back (her join says it).
    const statusAtBob = record(bob, 'p2p-peer-status');
    alice.muted = true;
    await restarted;

    await until(() => watched.every((w) => w.joined.length > 0), 'both to join the restarted relay', 15_000);
    for (const [i, element] of [alice, bob].entries()) {
      const states = watched[i]!.signaling.map((s) => s.state);
      expect(states.slice(states.indexOf('reconnecting'))).to.include('open');
      expect(states.at(-1)).to.equal('open');
      expect(watched[i]!.joined[0]!.peer).to.equal(element.peerId); // the same id as before
    }
    expect((await relayStats()).peers).to.equal(2);
    // The same connections, never closed or failed, nobody left, still decoding.
    expect(alice.connectionTo(bob.peerId)).to.equal(pcs[0]);
    expect(bob.connectionTo(alice.peerId)).to.equal(pcs[1]);
    for (const w of watched) {
      expect(w.left).to.deep.equal([]);
      const states = w.states.map((s) => s.state);
      expect(states).to.not.include('failed');
      expect(states).to.not.include('closed');
    }
    await Promise.all([
      expectMoreFrames(pcs[0], 'by Alice after the restart'),
      expectMoreFrames(pcs[1], 'by Bob after the restart'),
    ]);
    expect(tilePeers(alice)).to.deep.equal([bob.peerId]);
    expect(statusText(alice)).to.contain('1 person');
    await until(() => statusAtBob.some((s) => s.peer === alice.peerId && s.status.audio === false), 'p2p-peer-status: Alice muted, at Bob');
    await bob.updateComplete;
    expect(bob.shadowRoot!.querySelector(`[part~="tile"][data-peer="${alice.peerId}"] [part~="muted-indicator"]`), 'Alice’s tile at Bob shows her muted').to.exist;

    // Both hold a fresh offer at the new relay, so a newcomer can still just answer.
    await until(async () => (await relayStats()).heldOffers === 2, 'Alice and Bob to hold offers at the new relay');
    const carol = mountCall({ room: alice.room, name: 'Carol' });
    await nextEvent(carol, 'p2p-joined');
    await Promise.all([
      expectDecodesVideoFrom(carol, alice.peerId),
      expectDecodesVideoFrom(carol, bob.peerId),
      expectDecodesVideoFrom(alice, carol.peerId),
      expectDecodesVideoFrom(bob, carol.peerId),
    ]);
    expect(carol.connectionTo(alice.peerId)!.localDescription!.type).to.equal('answer');
    expect(carol.connectionTo(bob.peerId)!.localDescription!.type).to.equal('answer');
    expect(alice.connectionTo(bob.peerId)).to.equal(pcs[0]);
  });

  it('a fresh token in the server address, or new ice-servers, keep the call; the next reconnection uses the new address', async function () {
    (this as Timeout).timeout(40_000);
    const { alice, bob, pcs, expectKept } = await watchedCall();
    const joined = record(alice, 'p2p-joined');
    const sockets = watchSockets();
    try {
      // As a page does when its token is about to expire, and when it has new TURN credentials.
      alice.setAttribute('server', `${relayUrl}/?token=fresh`);
      alice.setAttribute('ice-servers', JSON.stringify([{ urls: 'stun:127.0.0.1:9' }]));
      await alice.updateComplete;
      expect(alice.connectionTo(bob.peerId)).to.equal(pcs[0]);
      expect(pcs[0].getConfiguration().iceServers?.map((server) => server.urls)).to.deep.equal([['stun:127.0.0.1:9']]);
      // A refresh the browser would refuse (TURN with no credential) is told, and the call keeps the last good ones.
      alice.setAttribute('ice-servers', JSON.stringify([{ urls: 'turn:127.0.0.1:3478' }]));
      await alice.updateComplete;
      expect(errorText(alice)).to.match(/^The ice-servers attribute cannot be used/);
      expect(alice.connectionTo(bob.peerId)).to.equal(pcs[0]);
      expect(pcs[0].getConfiguration().iceServers?.map((server) => server.urls)).to.deep.equal([['stun:127.0.0.1:9']]);
      expect(sockets.opened, 'no new socket before the relay goes').to.deep.equal([]);

      await serverCommand('restart-relay');
      await until(() => joined.length > 0, 'Alice to join the restarted relay', 15_000);
      // Bob's element is on this page too.
      const alices = sockets.opened.filter((url) => joinsAs(url, alice));
      expect([...new Set(alices.map((url) => new URL(url).searchParams.get('token')))]).to.deep.equal(['fresh']);
    } finally {
      sockets.stop();
    }
    await expectKept();
    // The bad ice-servers kept that call, but start no other: a new room is left, not joined.
    const left = nextEvent(alice, 'p2p-left');
    const joinedBefore = joined.length;
    alice.room = uniqueRoom('bad-ice');
    await left;
    await sleep(1000);
    expect(joined.length, 'no call joined on stale ICE servers').to.equal(joinedBefore);
    expect(alice.localStream, 'nor the camera kept').to.equal(null);
  });

  it('a relay that turns a reconnection away keeps the call, says so once per address, and dials a fresh token at once (the next one at the next retry)', async function () {
    (this as Timeout).timeout(40_000);
    const { alice, pcs, expectKept } = await watchedCall();
    const errors = record(alice, 'p2p-error');
    const joined = record(alice, 'p2p-joined');
    // Three refusals of the old address (each opens, is closed with 4401, and waits a longer
    // backoff); then the page sets one the relay refuses too, dialled at once as it is new; and
    // then a fresh one, which waits for the next retry, as a page that answers every refusal
    // with a new token must not have a relay that refuses them all dialled in a loop. (The restart's own drop is no refusal, and Bob's refusals, on
    // this page too, are not Alice's: counting them, an address was set while Alice still waited
    // for her own refusal.)
    let refusals = 0;
    let resolveRefused!: () => void;
    const refused = new Promise<void>((resolve) => (resolveRefused = resolve));
    const sockets = watchSockets((code, url) => {
      if (code !== UNAUTHORIZED || !joinsAs(url, alice) || ++refusals < 3 || refusals > 4) return;
      opened.length = 0;
      alice.server = `${relayUrl}/?token=${refusals === 3 ? 'stale' : 'fresh'}`;
      if (refusals === 4) resolveRefused();
    });
    const { opened } = sockets;
    try {
      // The tokens both joined with have expired: the restarted relay, down for a while, wants a fresh one.
      await serverCommand('restart-relay', { token: 'fresh', downMs: 1500 });
      await until(() => errors.some((e) => e.code === 'unauthorized'), 'Alice to be told', 10_000);
      expect(errors.map((e) => e.code)).to.deep.equal(['relay-unreachable', 'unauthorized']);
      await alice.updateComplete;
      // Reached, so no longer "cannot reach".
      expect(errorText(alice)).to.contain('turned this page away').and.not.contain('Cannot reach');
      // Media does not need the relay.
      await Promise.all([expectMoreFrames(pcs[0], 'by Alice while refused'), expectMoreFrames(pcs[1], 'by Bob while refused')]);
      const alicesTokens = () => opened.filter((url) => joinsAs(url, alice)).map((url) => new URL(url).searchParams.get('token'));
      await refused;
      await alice.updateComplete;
      expect(alicesTokens(), 'not dialled at once').to.deep.equal([]);
      await until(() => joined.length > 0, 'Alice to join with the fresh token at the next retry', 15_000);
      expect(alicesTokens()).to.deep.equal(['fresh']);
      expect(errors.map((e) => e.code), 'told once per address refused').to.deep.equal(['relay-unreachable', 'unauthorized', 'unauthorized']);
      await alice.updateComplete;
      expect(errorText(alice)).to.equal('');
    } finally {
      sockets.stop();
      await serverCommand('restart-relay');
    }
    await expectKept();
  });

  it('back on a restarted relay to find my place taken by a newcomer, I keep my call, and get in once someone leaves', async function () {
    (this as Timeout).timeout(60_000);
    const [alice, bob] = await twoInACall({ 'max-peers': '2' });
    const pc = alice.connectionTo(bob.peerId)!;
    const errors = record(alice, 'p2p-error');
    const left = record(alice, 'p2p-left');
    const heardByAlice: string[] = [];
    const RealWebSocket = window.WebSocket;
    let aliceKeptOff = true;
    window.WebSocket = class extends RealWebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        const hers = joinsAs(String(url), alice);
        super(aliceKeptOff && hers ? 'ws://127.0.0.1:1/' : url, protocols); // refused
        if (hers) this.addEventListener('message', ({ data }) => heardByAlice.push(String(data)));
      }
    };
    try {
      await serverCommand('restart-relay');
      // The restarted relay has forgotten both. Bob is back first, and Carol takes the second place.
      await until(async () => (await relayStats()).peers === 1, 'Bob back on the relay');
      const carol = mountCall({ room: alice.room, name: 'Carol', 'max-peers': '2' });
      await nextEvent(carol, 'p2p-joined');
      const joined = record(alice, 'p2p-joined');
      await until(() => errors.some((e) => e.code === 'relay-unreachable'), 'Alice told she cannot reach the relay');
      await alice.updateComplete;
      // Her call with Bob goes on without the relay: the status line says so, no alarm.
      expect(errorText(alice), 'no error box in a call under way').to.equal('');
      expect(statusText(alice)).to.equal('Connection to the call server lost. Your call goes on; reconnecting…');
      aliceKeptOff = false;
      window.dispatchEvent(new Event('online')); // dialled at once
      await until(() => heardByAlice.some((m) => m.includes('"room-full"')), 'Alice refused: the room is full');
      await alice.updateComplete;
      expect(left, 'her call did not end').to.deep.equal([]);
      expect(errors.map((e) => e.code)).to.not.include('room-full');
      expect(errorText(alice), 'the relay answered: no stale "cannot reach"').to.equal('');
      expect(statusText(alice)).to.match(/filled up.*your call goes on/i);
      expect(alice.connectionTo(bob.peerId)).to.equal(pc);
      await Promise.all([expectDecodesVideoFrom(alice, bob.peerId), expectDecodesVideoFrom(bob, alice.peerId)]);
      carol.remove();
      await until(() => joined.length > 0, 'Alice back in the room once Carol left', 20_000);
      await alice.updateComplete;
      expect(statusText(alice)).to.contain('1 person');
      expect(alice.connectionTo(bob.peerId), 'the same call').to.equal(pc);
      expect((await relayStats()).peers).to.equal(2);
    } finally {
      window.WebSocket = RealWebSocket;
    }
  });

  it('alone in the room, a relay lost is told in the error part; with others it is not (their call goes on)', async function () {
    (this as Timeout).timeout(20_000);
    const alice = mountCall({ room: uniqueRoom('alone-relay-lost'), name: 'Alice' });
    await nextEvent(alice, 'p2p-joined');
    const unreachable = nextEvent(alice, 'p2p-error');
    const restarted = serverCommand('restart-relay', { downMs: 5000 });
    expect((await unreachable).detail.code).to.equal('relay-unreachable');
    await alice.updateComplete;
    expect(errorText(alice), 'nobody can join her meanwhile').to.match(/^Cannot reach the call server at /);
    expect(statusText(alice)).to.equal('Connection to the call server lost. Reconnecting…');
    await restarted;
  });

  it('someone who takes my peer id while the relay has lost me does not keep me out: I come back as someone new', async function () {
    (this as Timeout).timeout(30_000);
    const [alice, bob] = await twoInACall();
    const first = alice.peerId;
    const errors = record(alice, 'p2p-error');
    const left = record(alice, 'p2p-left');
    const joined = record(alice, 'p2p-joined');
    const withToken = `${relayUrl}/?token=squat`;
    try {
      // A restarted relay has forgotten everyone. This one turns Alice and Bob away (no token)
      // until someone, who has seen Alice's public id, joins with it first.
      await serverCommand('restart-relay', { token: 'squat' });
      const impostor = await joinAs(withToken, { room: alice.room, peer: first, secret: 'the-impostors-own', name: 'Not Alice' });
      expect(impostor.reply.type).to.equal('welcome');
      for (const element of [alice, bob]) element.server = withToken;
      await until(() => joined.length > 0, 'Alice to join again');
      expect(alice.peerId).to.not.equal(first);
      expect(joined.map((d) => d.peer), 'as her new self').to.deep.equal([alice.peerId]);
      expect(left.length, 'the call under her old id is over for her page').to.equal(1);
      await Promise.all([expectDecodesVideoFrom(bob, alice.peerId), expectDecodesVideoFrom(alice, bob.peerId)]);
      expect(errors.map((e) => e.code)).to.not.include('peer-taken');
      await alice.updateComplete;
      expect(errorText(alice)).to.equal('');
      impostor.socket.close();
    } finally {
      await serverCommand('restart-relay');
    }
  });

  it('someone who leaves while I am away from the relay leaves, and is not reported as a failed connection', async function () {
    (this as Timeout).timeout(30_000);
    const [alice, bob] = await twoInACall();
    const errors = record(alice, 'p2p-error');
    try {
      // A restarted relay that only Alice gets back into: Bob stays away from it, his media still flowing.
      await serverCommand('restart-relay', { token: 'alice' });
      const back = nextEvent(alice, 'p2p-joined');
      alice.server = `${relayUrl}/?token=alice`;
      await back;
      // Not in the welcome, yet heard: as if the relay had lost him, he stays (a restarted relay has lost everyone).
      expect(alice.peers.map((p) => p.id)).to.deep.equal([bob.peerId]);
      const left = nextEvent(alice, 'p2p-peer-left');
      bob.remove(); // He leaves; no relay he is on can tell Alice.
      expect((await left).detail).to.include({ peer: bob.peerId, reason: 'lost' }); // his goodbye went to a relay Alice is not on
      expect(errors.map((e) => e.code)).to.not.include('peer-failed');
    } finally {
      await serverCommand('restart-relay');
    }
  });

  it('a relay socket gone silent with the media path: back on the relay, a new connection replaces the one whose repair was lost', async function () {
    (this as Timeout).timeout(60_000);
    const sockets = watchSockets();
    try {
      const turn = await serverCommand<Turn>('start-turn');
      const [alice, bob] = await twoInACall(turnAttributes(turn));
      const pcs = [alice.connectionTo(bob.peerId)!, bob.connectionTo(alice.peerId)!];
      const states = [alice, bob].map((element) => record(element, 'p2p-connection-state'));
      const left = [alice, bob].map((element) => record(element, 'p2p-peer-left'));

      // A network change, as the relay sees it: Alice's socket falls silent, with no close, so
      // the relay keeps her; and the call's only media path (the TURN server) goes. What is said
      // to repair the connection (an ICE restart's offer or answer) is lost with her socket.
      for (const socket of sockets.live.filter((socket) => joinsAs(socket.url, alice))) {
        Object.assign(socket, { onmessage: null, send: () => {}, close: () => {} });
      }
      await serverCommand('stop-turn');
      await until(() => states.some((s) => s.some(({ state }) => state === 'disconnected')), 'ICE to notice that the TURN server is gone', 10_000);
      const frozen = await Promise.all(pcs.map(framesDecoded));
      await serverCommand('start-turn', { port: turn.port });
      // The network is back: the element asks the relay, hears nothing in 5 s, and reconnects;
      // the relay lets her take her place over without a word to Bob.
      window.dispatchEvent(new Event('online'));
      // Well before the repair is given up (15 s after it began).
      const decodingAgain = (element: P2PCallElement, other: P2PCallElement, i: number) =>
        until(async () => {
          const pc = element.connectionTo(other.peerId)!;
          return (await framesDecoded(pc)) > (pc === pcs[i] ? frozen[i]! : 0) + 10;
        }, `${element.name} to decode again`, 12_000);
      await Promise.all([decodingAgain(alice, bob, 0), decodingAgain(bob, alice, 1)]);
      expect(left.flat()).to.deep.equal([]);
    } finally {
      sockets.stop();
    }
  });

  it('a peer whose network vanishes (no close, no FIN, no pongs) leaves everyone’s grid', async function () {
    (this as Timeout).timeout(30_000);
    const [alice, bob] = await twoInACall();
    const ghost = await serverCommand<{ peer: string }>('ghost-join', { url: relayUrl, room: alice.room, name: 'Ghost' });
    await until(() => [alice, bob].every((e) => tilePeers(e).includes(ghost.peer)), 'the ghost’s tile on both');
    const gone = [alice, bob].map((element) => nextEvent(element, 'p2p-peer-left', 12_000));

    await serverCommand('ghost-vanish', { peer: ghost.peer, how: 'silent' });
    // Only the relay's heartbeat (every 5 s; one missed pong) can notice: ≤ ~10 s.
    for (const event of await Promise.all(gone)) expect(event.detail).to.include({ peer: ghost.peer, reason: 'lost' });
    await Promise.all([alice.updateComplete, bob.updateComplete]);
    expect(tilePeers(alice)).to.deep.equal([bob.peerId]);
    expect(tilePeers(bob)).to.deep.equal([alice.peerId]);
    expect(alice.connectionTo(ghost.peer)).to.equal(undefined);
    await expectMoreFrames(alice.connectionTo(bob.peerId)!, 'by Alice from Bob');
  });

  it('a relay socket that died unseen (a laptop asleep) is replaced once the network is back; the call goes on', async function () {
    (this as Timeout).timeout(30_000);
    const { url } = await serverCommand<{ url: string }>('slow-relay', { url: relayUrl, delayMs: 0 });
    try {
      const [alice, bob] = await twoInACall({ server: url });
      const signaling = [alice, bob].map((element) => record(element, 'p2p-signaling-state'));
      // Their sockets go silent without closing, as over a network that went away while asleep.
      await serverCommand('slow-relay-freeze');
      window.dispatchEvent(new Event('online'));
      // The heartbeat alone takes 10-20 s to notice: a ping every 10 s, then an interval with no answer.
      await until(
        () => signaling.every((states) => states.map((s) => s.state).join() === 'reconnecting,open'),
        () => `both back on the relay (${JSON.stringify(signaling)})`,
        8000,
      );
      await until(async () => (await relayStats()).peers === 2, 'the relay to hold the two of them, once each');
      await expectMoreFrames(alice.connectionTo(bob.peerId)!, 'by Alice from Bob, on the same connection');
      expect(tilePeers(alice)).to.deep.equal([bob.peerId]);
    } finally {
      await serverCommand('slow-relay-stop');
    }
  });

  it('a joiner whose welcome was lost with its socket (its join took the held offer) gets into the call without a give-up', async function () {
    (this as Timeout).timeout(30_000);
    const { url } = await serverCommand<{ url: string }>('slow-relay', { url: relayUrl, delayMs: 1000 });
    try {
      const room = uniqueRoom('lost-welcome');
      const alice = await holdingAnOffer({ room, name: 'Alice' });
      const errors = record(alice, 'p2p-error');
      const told = nextEvent(alice, 'p2p-peer-joined');
      const dave = mountCall({ room, name: 'Dave', server: url });
      await told; // The relay gave Dave's join Alice's held offer, in a welcome 1 s on its way to him,
      await serverCommand('slow-relay-freeze'); // which never gets there.
      window.dispatchEvent(new Event('online')); // Dave's client asks its socket, and replaces it 5 s later (same id and secret):
      // the relay has no offer of Alice's left for him, and she waits for his answer to the one he never saw.
      await until(() => dave.connectionTo(alice.peerId)?.connectionState === 'connected', 'Dave connected to Alice', 20_000);
      await expectDecodesVideoFrom(dave, alice.peerId);
      expect(errors.map((e) => e.code), 'Alice gave nobody up').to.deep.equal([]);
    } finally {
      await serverCommand('slow-relay-stop');
    }
  });

  for (const [who, freezeAfter] of [
    ['the joiner', 'welcome'],
    ['the member', 'peer-joined'],
  ] as const)
    it(`an answer lost with ${who}'s socket, which died unseen: it is replaced, and the two start afresh before a give-up`, async function () {
      (this as Timeout).timeout(30_000);
      const { url } = await serverCommand<{ url: string }>('slow-relay', { url: relayUrl, delayMs: 0, freezeAfter });
      try {
        const room = uniqueRoom('lost-answer');
        // Through the proxy goes the joiner (whose answer to the held offer is lost) or the member (who never gets it).
        const alice = await holdingAnOffer({ room, name: 'Alice', ...(who === 'the member' && { server: url }) });
        const dave = mountCall({ room, name: 'Dave', ...(who === 'the joiner' && { server: url }) });
        const errors = [alice, dave].map((element) => record(element, 'p2p-error'));
        await until(() => dave.connectionTo(alice.peerId)?.localDescription?.type === 'answer', 'Dave’s answer sent');
        // The relay still holds the frozen socket (half-open), and nothing tells the client (no `online`):
        // with the connection not up 3 s later, it asks its socket, and replaces it 5 s after that.
        // Without that and a new start, Alice gives the answer up 15 s after her offer was taken.
        await until(() => dave.connectionTo(alice.peerId)?.connectionState === 'connected', 'Dave connected to Alice', 14_000);
        await Promise.all([expectDecodesVideoFrom(dave, alice.peerId), expectDecodesVideoFrom(alice, dave.peerId)]);
        expect(errors.flat().map((e) => e.code), 'nobody given up').to.deep.equal([]);
      } finally {
        await serverCommand('slow-relay-stop');
      }
    });

  it('back on the relay, a connection up at one end only (DTLS ends half a round trip apart) is replaced, not left to stall', async function () {
    (this as Timeout).timeout(30_000);
    const { url } = await serverCommand<{ url: string }>('slow-relay', { url: relayUrl, delayMs: 0 });
    let lagging: LaggingConnection | undefined;
    try {
      const room = uniqueRoom('half-up');
      const alice = await holdingAnOffer({ room, name: 'Alice' });
      // Dave's end of their connection reads `connecting` for good: the moment, stretched, when
      // Alice's end is up and his last DTLS flight is still on its way.
      lagging = lagNextConnection();
      const dave = mountCall({ room, name: 'Dave', server: url });
      const errors = [alice, dave].map((element) => record(element, 'p2p-error'));
      await until(() => alice.connectionTo(dave.peerId)?.connectionState === 'connected', 'Alice’s end up');
      lagging.restore();
      const lagged = lagging.connection;
      expect(dave.connectionTo(alice.peerId)).to.equal(lagged);
      await until(async () => (await relayStats()).heldOffers === 1, 'Alice settled: a fresh offer held');
      // Dave's socket dies unseen, and his client replaces it 5 s after `online`: Alice keeps her end
      // (and drops the offer his join takes), Dave drops his.
      await serverCommand('slow-relay-freeze');
      window.dispatchEvent(new Event('online'));
      await until(() => {
        const pc = dave.connectionTo(alice.peerId);
        return pc !== lagged && pc?.connectionState === 'connected';
      }, 'Dave connected to Alice anew', 12_000);
      await Promise.all([expectDecodesVideoFrom(dave, alice.peerId), expectDecodesVideoFrom(alice, dave.peerId)]);
      expect(errors.flat().map((e) => e.code), 'nobody given up').to.deep.equal([]);
    } finally {
      lagging?.restore();
      await serverCommand('slow-relay-stop');
    }
  });

  it('a connection whose page has not seen it come up (a starved device) is not given up at 15 s while its media arrives', async function () {
    (this as Timeout).timeout(30_000);
    let lagging: LaggingConnection | undefined;
    try {
      const room = uniqueRoom('starved');
      const alice = await holdingAnOffer({ room, name: 'Alice' });
      // Dave's page never sees his connection come up, as when its `connected` waits behind a
      // starved main thread: it reads `connecting` for good, while WebRTC's own threads carry the call.
      lagging = lagNextConnection();
      const dave = mountCall({ room, name: 'Dave' });
      const errors = record(dave, 'p2p-error');
      const lagged = await until(() => lagging!.connection, 'Dave’s connection');
      const since = performance.now();
      lagging.restore();
      await expectDecodesVideoFrom(dave, alice.peerId);
      await sleep(16_000 - (performance.now() - since));
      expect(errors.map((e) => e.code), 'not given up at 15 s').to.deep.equal([]);
      expect(dave.connectionTo(alice.peerId), 'the same connection').to.equal(lagged);
      await expectDecodesVideoFrom(dave, alice.peerId);
    } finally {
      lagging?.restore();
    }
  });

  it('a joiner that takes the held offer and never answers is given up (no TURN hint); the next joiner still gets an offer', async function () {
    (this as Timeout).timeout(30_000);
    const room = uniqueRoom('silent');
    const alice = mountCall({ room, name: 'Alice' });
    await nextEvent(alice, 'p2p-joined');
    await until(async () => (await relayStats()).heldOffers === 1, 'Alice’s held offer');
    // The ghost speaks signaling only: it takes Alice's held offer and never answers.
    const ghost = await serverCommand<{ peer: string }>('ghost-join', { url: relayUrl, room, name: 'Mute' });
    expect((await relayStats()).heldOffers).to.equal(0);
    const givenUp = await nextEvent(alice, 'p2p-peer-left', 20_000);
    expect(givenUp.detail).to.include({ peer: ghost.peer, reason: 'unanswered' });
    await alice.updateComplete;
    // No network path was tried, so TURN is no answer: the message must not send people looking for one.
    expect(errorText(alice)).to.equal('Could not connect to a participant: the call was never answered.');
    expect(statusText(alice)).to.equal('Could not connect to \u2068Mute\u2069.');
    // Without the give-up, Alice would wait on that connection and never hold another offer.
    await until(async () => (await relayStats()).heldOffers === 1, 'a fresh held offer from Alice');
    const bob = mountCall({ room, name: 'Bob' });
    await nextEvent(bob, 'p2p-joined');
    await expectDecodesVideoFrom(bob, alice.peerId);
    expect(bob.connectionTo(alice.peerId)!.localDescription!.type).to.equal('answer');
  });

  it('a peer whose process dies (socket torn down, no close frame) leaves at once', async () => {
    const [alice] = await twoInACall();
    const ghost = await serverCommand<{ peer: string }>('ghost-join', { url: relayUrl, room: alice.room, name: 'Ghost' });
    await until(() => tilePeers(alice).includes(ghost.peer), 'the ghost’s tile');
    const gone = nextEvent(alice, 'p2p-peer-left', 3000);
    await serverCommand('ghost-vanish', { peer: ghost.peer, how: 'terminate' });
    expect((await gone).detail).to.include({ peer: ghost.peer, reason: 'lost' });
  });

  it('a person who closes their tab leaves everyone’s grid', async function () {
    (this as Timeout).timeout(30_000);
    const room = uniqueRoom('tab');
    const alice = mountCall({ room, name: 'Alice' });
    await nextEvent(alice, 'p2p-joined');
    const joined = nextEvent(alice, 'p2p-peer-joined');
    const query = new URLSearchParams({ room, server: relayUrl, name: 'Tab' });
    const { tab } = await serverCommand<{ tab: string }>('open-tab', { path: `/test/browser/fixtures/peer.html?${query}` });
    const other = (await joined).detail;
    expect(other.name).to.equal('Tab');
    // A real person in another browser context: their camera really arrives here.
    await expectDecodesVideoFrom(alice, other.peer);
    const pc = alice.connectionTo(other.peer)!;
    const gone = nextEvent(alice, 'p2p-peer-left', 12_000);

    await serverCommand('close-tab', { tab });
    expect((await gone).detail).to.include({ peer: other.peer, reason: 'left' });
    await alice.updateComplete;
    expect(tilePeers(alice)).to.deep.equal([]);
    expect(pc.connectionState).to.equal('closed');
    expect(statusText(alice)).to.match(/waiting/i);
  });
});
