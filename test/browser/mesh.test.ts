/**
 * Rooms of more than two: a full mesh of RTCPeerConnections, held offers for
 * every joiner, people leaving and arriving, and the room cap. Real relay
 * (web-test-runner.config.mjs), real Chromium, fake camera; all elements live
 * in this one page, each with its own connections.
 */
import { expect } from 'chai';
import type { P2PCallElement } from '../../src/index.js';
import {
  eachOnAnEmptyRelay,
  errorText,
  expectDecodesVideoFrom,
  expectFullMesh,
  expectMoreFrames,
  mountCall,
  mountRoom,
  nextEvent,
  record,
  relayStats,
  relayUrl,
  remoteVideo,
  serverCommand,
  sleep,
  statusText,
  tilePeers,
  uniqueRoom,
  until,
} from './helpers.js';

/** Mounts one element and waits until it is in the room. */
async function join(room: string, attributes: Record<string, string | true> = {}): Promise<P2PCallElement> {
  const element = mountCall({ room, ...attributes });
  await nextEvent(element, 'p2p-joined');
  return element;
}

/** The relay holds one offer per member once everyone has settled. */
async function heldOffers(count: number): Promise<void> {
  await until(async () => (await relayStats()).heldOffers === count, `${count} offers held at the relay`);
}

function ids(elements: P2PCallElement[]): string[] {
  return elements.map((element) => element.peerId).sort();
}

describe('<p2p-call>: rooms of more than two (full mesh)', () => {
  eachOnAnEmptyRelay('ghost-cleanup');

  it('3 people joining one after another: each decodes both others, each newcomer just answers', async () => {
    const room = uniqueRoom('mesh3');
    const alice = await join(room, { name: 'Alice' });
    await heldOffers(1);
    const bob = await join(room, { name: 'Bob' });
    await heldOffers(2); // Alice held a fresh offer after Bob took hers, and Bob holds one.
    const carol = await join(room, { name: 'Carol' });
    const everyone = [alice, bob, carol];

    await expectFullMesh(everyone);
    // Carol answered the two offers held for her: she never had to offer or wait for a round trip.
    expect(carol.connectionTo(alice.peerId)!.localDescription!.type).to.equal('answer');
    expect(carol.connectionTo(bob.peerId)!.localDescription!.type).to.equal('answer');
    for (const element of everyone) {
      const others = everyone.filter((e) => e !== element);
      expect(element.peers.map((p) => p.id).sort()).to.deep.equal(ids(others));
      expect(tilePeers(element).sort()).to.deep.equal(ids(others));
      // One RTCPeerConnection per pair, not one shared.
      const [a, b] = others.map((other) => element.connectionTo(other.peerId));
      expect(a).to.not.equal(b);
      expect(statusText(element)).to.contain('2 people');
    }
    // In the page's language: Polish says 1 osoba, 2 osoby, 5 osób.
    carol.setAttribute('lang', 'pl');
    carol.strings = { inCall: 'W rozmowie: {count} {people}', person: 'osoba', peopleFew: 'osoby', people: 'osób' };
    await carol.updateComplete;
    expect(statusText(carol)).to.equal('W rozmowie: 2 osoby');
    // Names travel through the protocol and are shown on the tiles.
    expect(alice.peers.map((p) => p.name).sort()).to.deep.equal(['Bob', 'Carol']);
    const carolTile = alice.shadowRoot!.querySelector(`[part~="tile"][data-peer="${carol.peerId}"] [part~="name"]`);
    expect(carolTile!.textContent).to.contain('Carol');
    // Someone with no name: "Guest" and the start of their id, the same at everyone's, short to spell out.
    carol.name = '';
    const guest = `\u2068Guest ${carol.peerId.slice(0, 4)}\u2069`;
    for (const element of [alice, bob])
      await until(() => element.shadowRoot!.querySelector(`[data-peer="${carol.peerId}"] [part~="name"]`)!.textContent!.includes(guest), 'Carol as a guest');
  });

  it('inside another component’s shadow root, the language is that of the nearest lang across it', async () => {
    const room = uniqueRoom('lang');
    // Japanese has one plural form: 1 is `people` there, where English says `person`.
    const host = document.body.appendChild(Object.assign(document.createElement('div'), { lang: 'ja' }));
    const alice = host.attachShadow({ mode: 'open' }).appendChild(document.createElement('p2p-call'));
    try {
      alice.strings = { inCall: '{count} {people}', person: 'person', people: 'people' };
      Object.assign(alice, { server: relayUrl, room, name: 'Alice' });
      await nextEvent(alice, 'p2p-joined');
      mountCall({ room, name: 'Bob' });
      await until(() => statusText(alice) === '1 people', () => `Alice’s status: ${statusText(alice)}`);
    } finally {
      host.remove();
    }
  });

  it('4 people arriving at once: all 12 directions decode', async function () {
    (this as { timeout(ms: number): void }).timeout(40_000);
    const everyone = await mountRoom(uniqueRoom('mesh4'), 4);
    await expectFullMesh(everyone);
    for (const element of everyone) {
      const others = everyone.filter((e) => e !== element);
      expect(tilePeers(element).sort()).to.deep.equal(ids(others));
      const connections = new Set(others.map((other) => element.connectionTo(other.peerId)));
      expect(connections.size).to.equal(3);
      for (const pc of connections) expect(pc!.connectionState).to.equal('connected');
    }
  });

  it('someone leaves an established room of 3: the other two carry on; a newcomer then sees everyone', async function () {
    (this as { timeout(ms: number): void }).timeout(40_000);
    const room = uniqueRoom('mesh-churn');
    const alice = await join(room, { name: 'Alice' });
    const bob = await join(room, { name: 'Bob' });
    const carol = await join(room, { name: 'Carol' });
    await expectFullMesh([alice, bob, carol]);
    const aliceToBob = alice.connectionTo(bob.peerId)!;
    const bobToAlice = bob.connectionTo(alice.peerId)!;
    const toCarol = [alice.connectionTo(carol.peerId)!, bob.connectionTo(carol.peerId)!];
    const aliceLeft = record(alice, 'p2p-peer-left');
    const bobLeft = record(bob, 'p2p-peer-left');

    carol.leave();
    await until(() => aliceLeft.length && bobLeft.length, 'Alice and Bob to hear that Carol left');
    for (const left of [aliceLeft, bobLeft]) {
      expect(left).to.have.length(1);
      expect(left[0]).to.include({ peer: carol.peerId, reason: 'left' });
    }
    for (const pc of toCarol) expect(pc.connectionState).to.equal('closed');
    await Promise.all([alice.updateComplete, bob.updateComplete]);
    expect(tilePeers(alice)).to.deep.equal([bob.peerId]);
    expect(tilePeers(bob)).to.deep.equal([alice.peerId]);
    expect(statusText(alice)).to.contain('1 person');
    expect(carol.peers).to.have.length(0);
    // Alice and Bob keep their own connection: same object, still decoding.
    expect(alice.connectionTo(bob.peerId)).to.equal(aliceToBob);
    expect(bob.connectionTo(alice.peerId)).to.equal(bobToAlice);
    await Promise.all([
      expectMoreFrames(aliceToBob, 'by Alice from Bob'),
      expectMoreFrames(bobToAlice, 'by Bob from Alice'),
    ]);

    const dave = await join(room, { name: 'Dave' });
    await expectFullMesh([alice, bob, dave]);
    expect(dave.peers.map((p) => p.name).sort()).to.deep.equal(['Alice', 'Bob']);
    for (const element of [alice, bob]) expect(tilePeers(element)).to.include(dave.peerId).and.have.length(2);
    expect(alice.connectionTo(bob.peerId)).to.equal(aliceToBob);
    // Carol, who left, is in nobody's room any more.
    expect(dave.peers.map((p) => p.id)).to.not.include(carol.peerId);
  });

  it('videos already playing are not restarted when the room changes around them', async () => {
    const room = uniqueRoom('steady');
    const alice = await join(room, { name: 'Alice' });
    const bob = await join(room, { name: 'Bob' });
    await expectDecodesVideoFrom(alice, bob.peerId);
    const video = remoteVideo(alice, bob.peerId)!;
    // 'emptied' = the media element threw away what it was showing and started loading
    // again (each time `srcObject` is assigned, even the same stream): a black flash.
    const restarts: string[] = [];
    for (const type of ['emptied', 'abort'] as const) video.addEventListener(type, () => restarts.push(type));

    bob.muted = true; // Alice re-renders Bob's tile for the muted indicator
    await nextEvent(alice, 'p2p-peer-status');
    const carol = await join(room, { name: 'Carol' }); // and the grid for a third tile
    await expectDecodesVideoFrom(alice, carol.peerId);

    expect(remoteVideo(alice, bob.peerId)).to.equal(video);
    expect(restarts, 'Bob’s video restarted by re-renders').to.deep.equal([]);

    // Bob, whose tile comes first, leaves: Carol's tile takes its place and her
    // video must keep playing through that.
    const carolVideo = remoteVideo(alice, carol.peerId)!;
    const carolRestarts: string[] = [];
    for (const type of ['emptied', 'abort', 'pause'] as const) carolVideo.addEventListener(type, () => carolRestarts.push(type));
    const bobLeft = nextEvent(alice, 'p2p-peer-left');
    bob.leave();
    await bobLeft;
    await alice.updateComplete;
    expect(tilePeers(alice)).to.deep.equal([carol.peerId]);
    expect(remoteVideo(alice, carol.peerId)).to.equal(carolVideo);
    await expectDecodesVideoFrom(alice, carol.peerId);
    expect(carolVideo.paused, 'Carol’s video paused').to.equal(false);
    expect(carolRestarts, 'Carol’s video restarted when Bob left').to.deep.equal([]);
  });

  it('max-peers="2": a third person is told the room is full, and the two in the call are undisturbed', async () => {
    const room = uniqueRoom('full');
    const alice = await join(room, { 'max-peers': '2' });
    const bob = await join(room, { 'max-peers': '2' });
    await expectDecodesVideoFrom(alice, bob.peerId);
    await expectDecodesVideoFrom(bob, alice.peerId);
    const disturbances = [
      ...['p2p-peer-joined', 'p2p-peer-left'].flatMap((type) =>
        [alice, bob].map((element) => record(element, type as 'p2p-peer-joined')),
      ),
    ];

    const carol = mountCall({ room, 'max-peers': '2' });
    const carolJoined = record(carol, 'p2p-joined');
    const carolErrors = record(carol, 'p2p-error');
    const carolSignaling = record(carol, 'p2p-signaling-state');
    const error = await nextEvent(carol, 'p2p-error');
    expect(error.detail.code).to.equal('room-full');
    await carol.updateComplete;
    expect(errorText(carol)).to.contain(error.detail.message).and.to.match(/full/i);
    expect(carol.shadowRoot!.querySelector('[part~="error"]')!.getAttribute('role')).to.equal('alert');

    // A full room is not retried in a loop: Carol stays out, quietly.
    await sleep(1500);
    expect(carolJoined).to.have.length(0);
    expect(carolErrors).to.have.length(1);
    expect(carolSignaling.at(-1)?.state).to.equal('closed');
    expect(carol.peers).to.have.length(0);
    expect(tilePeers(carol)).to.have.length(0);
    expect((await relayStats()).peers).to.equal(2);
    // Alice and Bob never saw her and kept their call.
    expect(disturbances.flat()).to.have.length(0);
    expect(alice.peers.map((p) => p.id)).to.deep.equal([bob.peerId]);
    await Promise.all([
      expectMoreFrames(alice.connectionTo(bob.peerId)!, 'by Alice from Bob'),
      expectMoreFrames(bob.connectionTo(alice.peerId)!, 'by Bob from Alice'),
    ]);
  });

  it('the relay’s own cap (6 by default) holds even when the joiner asks for more', async () => {
    const room = uniqueRoom('cap');
    // Six signaling-only members (test/browser/plugins/peers.mjs): all six must get in.
    for (let i = 0; i < 6; i++) {
      const ghost = await serverCommand<{ peer?: string; error?: string }>('ghost-join', {
        url: relayUrl,
        room,
        name: `ghost${i}`,
      });
      expect(ghost.error, `ghost ${i + 1} of 6`).to.equal(undefined);
    }
    const seventh = mountCall({ room, 'max-peers': '10' });
    const error = await nextEvent(seventh, 'p2p-error');
    expect(error.detail.code).to.equal('room-full');
    await seventh.updateComplete;
    expect(errorText(seventh)).to.match(/full/i);
    expect(seventh.peers).to.have.length(0);
  });

  it('a refused joiner is out of the call: no "Connecting…", no camera, and Join again gets in once a seat is free', async () => {
    const room = uniqueRoom('full-status');
    const alice = await join(room, { 'max-peers': '2' });
    const bob = await join(room, { 'max-peers': '2' });
    const carol = mountCall({ room, 'max-peers': '2' });
    const captured = record(carol, 'p2p-local-stream');
    await nextEvent(carol, 'p2p-error');
    await sleep(300);
    await carol.updateComplete;
    // The error says "This room is full."; the status line must not contradict it with "Connecting…".
    expect(statusText(carol)).to.not.match(/connecting/i);
    // No camera light for a call that is over (a capture still opening when the refusal came is stopped as it opens).
    expect(carol.localStream).to.equal(null);
    const tracks = captured.flatMap(({ stream }) => stream?.getTracks() ?? []);
    expect(tracks.filter((t) => t.readyState === 'live')).to.deep.equal([]);
    const buttons = () => [...carol.shadowRoot!.querySelectorAll('button')].map((b) => b.part.value);
    expect(buttons(), 'nothing to leave, mute or share: only a way back in').to.deep.equal(['join-button']);
    expect(await carol.shareScreen()).to.equal(false);

    bob.remove();
    await until(() => alice.peers.length === 0, 'Bob to leave Alice’s call');
    const joined = nextEvent(carol, 'p2p-joined');
    (carol.shadowRoot!.querySelector('[part~="join-button"]') as HTMLButtonElement).click();
    await joined;
    expect(errorText(carol), 'the full room is no news any more').to.equal('');
    await expectDecodesVideoFrom(carol, alice.peerId);
    await expectDecodesVideoFrom(alice, carol.peerId);
  });
});
