import { expect } from 'chai';
import {
  errorText,
  expectDecodesVideoFrom,
  joinAs,
  mountCall,
  nextEvent,
  record,
  relayStats,
  relayUrl,
  remoteVideo,
  removeAll,
  serverCommand,
  sleep,
  statusText,
  twoInACall,
  uniqueRoom,
  until,
  watchedCall,
} from './helpers.js';

describe('<p2p-call>: a call between two people through the real relay', () => {
  afterEach(removeAll);

  it('the joiner answers the offer held for it and both sides decode video', async () => {
    const room = uniqueRoom();
    const before = (await relayStats()).heldOffers;
    const alice = mountCall({ room, name: 'Alice' });
    const aliceJoined = await nextEvent(alice, 'p2p-joined');
    // Alice is alone: her offer must be waiting at the relay before Bob arrives.
    await until(async () => (await relayStats()).heldOffers > before, 'Alice’s offer to be held');

    const bob = mountCall({ room, name: 'Bob' });
    const heard: string[] = [];
    for (const type of ['p2p-joined', 'p2p-peer-joined'] as const) bob.addEventListener(type, () => heard.push(type));
    const bobJoined = await nextEvent(bob, 'p2p-joined');
    const alicePeer = aliceJoined.detail.peer;
    const bobPeer = bobJoined.detail.peer;

    await expectDecodesVideoFrom(bob, alicePeer);
    await expectDecodesVideoFrom(alice, bobPeer);
    // Bob answered Alice's held offer; he never had to offer himself.
    expect(bob.connectionTo(alicePeer)!.localDescription!.type).to.equal('answer');
    expect(alice.connectionTo(bobPeer)!.localDescription!.type).to.equal('offer');
    expect(alice.peers.map((p) => p.name)).to.deep.equal(['Bob']);
    // What the page reads is a copy: writing to it changes nothing in the call.
    Object.assign(alice.peers[0]!, { connectionState: 'failed' }).status.video = false;
    expect([alice.peers[0]!.connectionState, alice.peers[0]!.status.video]).to.deep.equal(['connected', true]);
    // A page that starts its list of people afresh at p2p-joined still hears of those already there.
    expect(heard).to.deep.equal(['p2p-joined', 'p2p-peer-joined']);
    expect(alice.shadowRoot!.querySelector('[part~="status"]')!.textContent).to.contain('1 person');
  });

  it('a page that goes for good says it left (its socket then closes with 1001, which the relay takes for lost)', async () => {
    const [alice, bob] = await twoInACall();
    const reasons: string[] = [];
    for (const element of [alice, bob]) element.addEventListener('p2p-peer-left', (e) => reasons.push(e.detail.reason));
    // Both elements are on this page: both say goodbye, and whichever the relay hears second is told of the first.
    window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false }));
    await until(() => reasons.length > 0, 'a p2p-peer-left');
    expect(reasons).to.deep.equal(['left']);
  });

  it('video and sound that the browser paused (a page it froze, then resumed) play again', async () => {
    const [alice, bob] = await twoInACall();
    const media = [remoteVideo(bob, alice.peerId)!, bob.shadowRoot!.querySelector('audio')!, alice.shadowRoot!.querySelector<HTMLVideoElement>('video[part~="local-video"]')!];
    for (const element of media) element.pause();
    await until(() => media.every((element) => !element.paused), 'every media element playing again');
    await expectDecodesVideoFrom(bob, alice.peerId);
  });

  it('a camera that starts while the relay is slow to welcome is shown to the others once joined', async () => {
    const room = uniqueRoom();
    const alice = mountCall({ room });
    await nextEvent(alice, 'p2p-joined');
    // Bob's join (in the URL, and again once open) carries no media yet: his camera is still starting.
    // It is ready long before the welcome, held 500 ms on the way back, can arrive.
    const { url } = await serverCommand<{ url: string }>('slow-relay', { url: relayUrl, delayMs: 500 });
    try {
      const bob = mountCall({ room, server: url });
      const started = await nextEvent(bob, 'p2p-local-stream');
      expect(started.detail.stream, 'the camera started').to.be.ok;
      expect(bob.peers, 'no welcome yet').to.have.length(0);
      await nextEvent(bob, 'p2p-joined');
      await until(
        () => alice.peers.find((p) => p.id === bob.peerId)?.status.video === true,
        'Alice to learn that Bob sends video',
      );
      expect(alice.peers[0]!.status.audio).to.equal(true);
    } finally {
      await serverCommand('slow-relay-stop');
    }
  });

  it('keeps rooms apart: a third room sees nobody and nobody sees it', async () => {
    const room = uniqueRoom();
    const alice = mountCall({ room });
    const bob = mountCall({ room });
    const strangers: string[] = [];
    for (const element of [alice, bob])
      element.addEventListener('p2p-peer-joined', (e) => strangers.push(e.detail.peer));
    const [a, b] = await Promise.all([nextEvent(alice, 'p2p-joined'), nextEvent(bob, 'p2p-joined')]);
    await expectDecodesVideoFrom(bob, a.detail.peer);

    const carol = mountCall({ room: uniqueRoom('other') });
    await nextEvent(carol, 'p2p-joined');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(carol.peers).to.have.length(0);
    expect(strangers).to.not.include(carol.peerId);
    expect(alice.peers.map((p) => p.id)).to.deep.equal([b.detail.peer]);
    expect(carol.shadowRoot!.querySelector('[part~="status"]')!.textContent).to.contain('Waiting');
  });

  it('an element on the page with no room captures and connects nothing, and joins once its room is set', async () => {
    const room = uniqueRoom();
    const alice = mountCall({ room });
    await nextEvent(alice, 'p2p-joined');

    // As on a page that shows the call and joins on a click.
    const bob = document.createElement('p2p-call');
    const heard: string[] = [];
    for (const type of ['p2p-signaling-state', 'p2p-local-stream'] as const)
      bob.addEventListener(type, () => heard.push(type));
    document.body.append(bob);
    const status = () => bob.shadowRoot!.querySelector('[part~="status"]')!.textContent;
    await bob.updateComplete;
    expect(status(), 'no server yet: a hint for the developer').to.contain('Set the room and server');
    bob.server = relayUrl;
    await sleep(500);
    expect(heard, 'no relay socket, no camera').to.deep.equal([]);
    expect(bob.localStream).to.equal(null);
    expect(status(), 'a server and no room: a page that joins on a click').to.contain('Not in the call');
    const buttons = () => [...bob.shadowRoot!.querySelectorAll('button')].map((b) => b.part.value);
    expect(buttons(), 'nothing to leave or share to yet').to.deep.equal(['mute-button', 'camera-button']);
    expect(await bob.shareScreen(), 'no screen share outside a call').to.equal(false);
    expect(bob.screenSharing).to.equal(false);

    const joined = nextEvent(bob, 'p2p-joined');
    bob.room = room;
    await joined;
    await expectDecodesVideoFrom(bob, alice.peerId);
    expect(buttons()).to.include.members(['screen-button', 'leave-button']);
  });

  it('a join the relay would refuse: a long name is shortened; a room it refuses is shown as an error', async () => {
    const room = uniqueRoom();
    // 62 letters and an emoji: the relay takes 64 UTF-16 units, a cut name ends in "…", and half an emoji is not a name.
    const alice = mountCall({ room, name: `${'x'.repeat(62)}😀 and more` });
    const bob = mountCall({ room });
    await nextEvent(alice, 'p2p-joined');
    await until(() => bob.peers[0]?.name, 'Alice’s name at Bob');
    expect(bob.peers[0]!.name).to.equal(`${'x'.repeat(62)}…`);

    // Half a surrogate pair is no text, which only the relay checks (a room too long: errors.test.ts).
    const carol = mountCall({ room: 'r\udfff' });
    const error = await nextEvent(carol, 'p2p-error');
    expect(error.detail.code).to.equal('bad-message');
    await carol.updateComplete;
    expect(errorText(carol)).to.contain('room');
    expect(statusText(carol)).to.not.match(/connecting/i);
    expect([...carol.shadowRoot!.querySelectorAll('button')].map((b) => b.part.value)).to.deep.equal(['join-button']);
  });

  it('a handshake of mine that reached the relay late takes my place, and I take it back: the call goes on', async () => {
    const [alice, bob] = await twoInACall();
    const errors = record(alice, 'p2p-error');
    const ended = record(alice, 'p2p-left');
    const left = record(bob, 'p2p-peer-left');
    // What the relay gets when a handshake that Alice gave up on (it stalled past 10 s) gets through after all:
    // her join, in its URL, with her peer id and secret.
    const { room, peerId: peer, secret } = alice.callWish()!;
    const late = new URL(relayUrl);
    late.searchParams.set('join', JSON.stringify({ type: 'join', room, peer, secret }));
    const stale = new WebSocket(late);
    const closed = new Promise<CloseEvent>((resolve) => stale.addEventListener('close', resolve));
    await new Promise((resolve) => stale.addEventListener('message', resolve)); // its welcome: Alice's socket got 4001 (replaced)
    expect((await closed).code, 'Alice took her place back').to.equal(4001);
    await expectDecodesVideoFrom(bob, alice.peerId);
    expect([errors, ended, left]).to.deep.equal([[], [], []]);
    expect(alice.peers.map((p) => p.id)).to.deep.equal([bob.peerId]);
  });

  it('someone who joins with my peer id but not my secret is refused, and my call goes on', async () => {
    const [alice, bob] = await twoInACall();
    const heard = record(bob, 'p2p-peer-joined');
    // Ids are public (every welcome lists them); secrets are not.
    const impostor = await joinAs(relayUrl, { room: alice.room, peer: alice.peerId, secret: 'not-alices-secret', name: 'Not Alice' });
    expect(impostor.reply.code).to.equal('peer-taken');
    impostor.socket.close();
    await expectDecodesVideoFrom(bob, alice.peerId);
    expect(heard, 'nobody new for Bob').to.deep.equal([]);
    expect(bob.peers.map((p) => p.name)).to.deep.equal(['Alice']);
  });

  it('changing the room leaves the old call and joins the new one', async () => {
    const [first, second] = [uniqueRoom(), uniqueRoom()];
    const alice = mountCall({ room: first });
    const bob = mountCall({ room: first });
    await Promise.all([nextEvent(alice, 'p2p-joined'), nextEvent(bob, 'p2p-joined')]);
    await until(() => alice.peers.length === 1, 'Alice to see Bob');

    const bobLeft = nextEvent(alice, 'p2p-peer-left');
    const bobMoved = nextEvent(bob, 'p2p-joined');
    bob.room = second;
    const { detail } = await bobLeft;
    expect([detail.peer, detail.reason]).to.deep.equal([bob.peerId, 'left']);
    expect((await bobMoved).detail.room).to.equal(second);
    expect(alice.peers).to.have.length(0);

    const carol = mountCall({ room: second });
    await nextEvent(carol, 'p2p-joined');
    await expectDecodesVideoFrom(carol, bob.peerId);
    await expectDecodesVideoFrom(bob, carol.peerId);

    // After leave(), a new room is a call to join; leave() after it in the same task still wins.
    bob.leave();
    await nextEvent(bob, 'p2p-left');
    const third = uniqueRoom();
    bob.room = third;
    expect((await nextEvent(bob, 'p2p-joined')).detail.room).to.equal(third);
    let joinedAgain = false;
    bob.addEventListener('p2p-joined', () => (joinedAgain = true));
    bob.room = first;
    bob.leave();
    expect((await nextEvent(bob, 'p2p-left')).detail.room).to.equal(third);
    await sleep(500);
    expect(joinedAgain).to.equal(false);
    expect(bob.shadowRoot!.querySelector('[part~="status"]')!.textContent).to.contain('left');
  });

  it('moving the element on the page keeps the call: same connection, same camera, nobody sees it leave', async () => {
    const [alice, bob] = await twoInACall();
    const pc = alice.connectionTo(bob.peerId)!;
    const tracks = alice.localStream!.getTracks();
    const heard: string[] = [];
    for (const type of ['p2p-left', 'p2p-joined'] as const) alice.addEventListener(type, () => heard.push(type));
    bob.addEventListener('p2p-peer-left', () => heard.push('p2p-peer-left at Bob'));

    // As a page does when it puts the call into another part of its layout.
    const sidebar = document.body.appendChild(document.createElement('aside'));
    sidebar.append(alice);
    document.body.insertBefore(alice, sidebar);
    sidebar.moveBefore(alice, null); // The state-keeping move: the same callbacks, in Chromium today.
    document.body.moveBefore(alice, sidebar);
    sidebar.remove();
    // As a framework does that renders in a microtask: out now, back in before the task ends.
    alice.remove();
    await Promise.resolve();
    document.body.append(alice);
    await sleep(1000);
    expect(heard).to.deep.equal([]);
    expect(alice.connectionTo(bob.peerId)).to.equal(pc);
    expect(pc.connectionState).to.equal('connected');
    expect(alice.localStream!.getTracks()).to.deep.equal(tracks);
    expect(tracks.map((t) => t.readyState)).to.deep.equal(['live', 'live']);
    await expectDecodesVideoFrom(alice, bob.peerId);
    await expectDecodesVideoFrom(bob, alice.peerId);
  });

  it('removing the element stops the camera and closes every connection', async () => {
    const [alice, bob] = await twoInACall();
    const tracks = alice.localStream!.getTracks();
    const pc = alice.connectionTo(bob.peerId)!;
    expect(tracks.map((t) => t.readyState)).to.deep.equal(['live', 'live']);

    const aliceGone = nextEvent(bob, 'p2p-peer-left');
    alice.remove();
    await sleep(0); // A move would have brought it back by now (see the test above).
    expect(tracks.map((t) => t.readyState)).to.deep.equal(['ended', 'ended']);
    expect(pc.connectionState).to.equal('closed');
    expect((await aliceGone).detail.peer).to.equal(alice.peerId);
    await until(() => bob.shadowRoot!.querySelectorAll('[part~="remote-video"]').length === 0, 'Alice’s tile to go');
    // Detached, Alice must stay gone: no quiet re-join behind the page's back.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(bob.peers).to.have.length(0);
  });

  it('removing the room attribute leaves the call: the camera stops and the others see it', async () => {
    const [alice, bob] = await twoInACall();
    const tracks = alice.localStream!.getTracks();
    const [left, aliceGone] = [nextEvent(alice, 'p2p-left'), nextEvent(bob, 'p2p-peer-left')];
    alice.removeAttribute('room');
    await Promise.all([left, aliceGone]);
    expect(tracks.map((t) => t.readyState)).to.deep.equal(['ended', 'ended']);
    await alice.updateComplete;
    expect(statusText(alice)).to.match(/not in the call/i);
  });

  it('a new name, or none, reaches everyone in the room, and those who join later', async () => {
    const [alice, bob] = await twoInACall();
    alice.name = 'Ada';
    await until(() => bob.peers[0]?.name === 'Ada', () => `Alice renamed at Bob: ${bob.peers[0]?.name}`);
    const carol = mountCall({ room: alice.room, name: 'Carol' });
    await until(() => carol.peers.length === 2, 'Carol to see both');
    expect(carol.peers.find((p) => p.id === alice.peerId)!.name, 'the name now, not the one Alice joined with').to.equal('Ada');

    alice.removeAttribute('name');
    for (const other of [bob, carol])
      await until(() => other.peers.find((p) => p.id === alice.peerId)!.name === undefined, () => `no name at ${other.name}`);
  });

  it('max-peers changed during a call keeps the call', async () => {
    const { alice, expectKept } = await watchedCall();
    alice.maxPeers = 4;
    await sleep(500);
    await expectKept();
  });

  it('leaving and joining again quickly: no p2p-local-stream says capture failed', async () => {
    const [alice, bob] = await twoInACall();
    const streams: (MediaStream | null)[] = [];
    alice.addEventListener('p2p-local-stream', ({ detail }) => streams.push(detail.stream));
    for (let i = 0; i < 6; i++) {
      alice.leave();
      await sleep(40);
      alice.join();
      await sleep(40);
    }
    await expectDecodesVideoFrom(bob, alice.peerId); // back in the call
    expect(streams.length, 'the streams of the calls that started').to.be.greaterThan(0);
    expect(streams.filter((stream) => stream === null)).to.deep.equal([]);
  });
});
