/**
 * No leaks: an element that joins and leaves many times leaves nothing
 * behind. Everything is counted in the page itself: the constructors and
 * getUserMedia are wrapped before the element exists, so every
 * RTCPeerConnection, captured track and WebSocket it ever makes is recorded.
 */
import { expect } from 'chai';
import { mountCall, nextEvent, relayStats, relayUrl, removeAll, uniqueRoom, until } from './helpers.js';

interface Recorded {
  pcs: RTCPeerConnection[];
  tracks: MediaStreamTrack[];
  sockets: WebSocket[];
  audioContexts: BaseAudioContext[];
  /** Chromium keeps every PermissionStatus it hands out for as long as the page lives. */
  permissionStatuses: PermissionStatus[];
}

/** Wraps the page's constructors so every instance is recorded; returns an undo. */
function recordEverything(recorded: Recorded): () => void {
  const RealPC = window.RTCPeerConnection;
  const RealWS = window.WebSocket;
  const RealAudioContext = window.AudioContext;
  const media = navigator.mediaDevices;
  const realGetUserMedia = media.getUserMedia;
  const realGetDisplayMedia = media.getDisplayMedia;
  const realClone = MediaStreamTrack.prototype.clone;
  const permissions = navigator.permissions;
  const realQuery = permissions?.query;

  window.RTCPeerConnection = class extends RealPC {
    constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
      super(...args);
      recorded.pcs.push(this);

    }
  };
  window.WebSocket = class extends RealWS {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      // Only the element's: the test runner has a socket of its own.
      if (String(args[0]).startsWith(relayUrl)) recorded.sockets.push(this);
    }
  };
  window.AudioContext = class extends RealAudioContext {
    constructor(...args: ConstructorParameters<typeof AudioContext>) {
      super(...args);
      recorded.audioContexts.push(this);
    }
  };
  const capture =
    <A extends unknown[]>(real: (...args: A) => Promise<MediaStream>) =>
    async (...args: A) => {
      const stream = await real.apply(media, args);
      recorded.tracks.push(...stream.getTracks());
      return stream;
    };
  media.getUserMedia = capture(realGetUserMedia);
  if (realGetDisplayMedia) media.getDisplayMedia = capture(realGetDisplayMedia);
  MediaStreamTrack.prototype.clone = function clone(this: MediaStreamTrack) {
    const copy = realClone.call(this);
    recorded.tracks.push(copy);
    return copy;
  };
  if (realQuery)
    permissions.query = async (descriptor) => {
      const status = await realQuery.call(permissions, descriptor);
      recorded.permissionStatuses.push(status);
      return status;
    };

  return () => {
    window.RTCPeerConnection = RealPC;
    window.WebSocket = RealWS;
    window.AudioContext = RealAudioContext;
    media.getUserMedia = realGetUserMedia;
    if (realGetDisplayMedia) media.getDisplayMedia = realGetDisplayMedia;
    MediaStreamTrack.prototype.clone = realClone;
    if (realQuery) permissions.query = realQuery;
  };
}

const isClosed = (pc: RTCPeerConnection) => pc.connectionState === 'closed' || pc.signalingState === 'closed';
const isShut = (ws: WebSocket) => ws.readyState === WebSocket.CLOSED || ws.readyState === WebSocket.CLOSING;

/** Every track a recorded connection received (remote tracks end when it closes). */
function receivedTracks(recorded: Recorded): MediaStreamTrack[] {
  return recorded.pcs.flatMap((pc) => pc.getReceivers().map((receiver) => receiver.track));
}

describe('<p2p-call>: no leaks', () => {
  const recorded: Recorded = { pcs: [], tracks: [], sockets: [], audioContexts: [], permissionStatuses: [] };
  let undo = () => {};
  beforeEach(async () => {
    await until(async () => (await relayStats()).peers === 0, 'the relay to be empty');
    Object.values(recorded).forEach((list: unknown[]) => (list.length = 0));
    undo = recordEverything(recorded);
  });
  afterEach(() => {
    undo();
    removeAll();
  });

  it('20 join/leave cycles with someone in the room leave no connection, track or socket behind', async function () {
    (this as { timeout(ms: number): void }).timeout(60_000);
    const room = uniqueRoom('leaks');
    const host = mountCall({ room, name: 'Host' });
    // Joining does not wait for the camera, so wait for the camera itself.
    await nextEvent(host, 'p2p-local-stream');
    const hostTracks = [...recorded.tracks];
    expect(hostTracks.length, 'the host’s own tracks').to.equal(2);
    const guest = mountCall({ room, name: 'Guest' });
    const peerLeftAtHost: string[] = [];
    host.addEventListener('p2p-peer-left', (e) => peerLeftAtHost.push(e.detail.peer));

    const CYCLES = 20;
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      // Half the cycles through the API (leave()/join()), half by taking the element
      // off the page and putting it back (remove()/append()).
      if (cycle > 1 && cycle <= CYCLES / 2 + 1) guest.join();
      else if (cycle > 1) document.body.append(guest);
      await nextEvent(guest, 'p2p-joined').catch((error: Error) => {
        throw new Error(`cycle ${cycle}: ${error.message} (status: ${guest.shadowRoot?.querySelector('[part~="status"]')?.textContent})`);
      });
      // A real connection each time, both ways.
      await until(
        () =>
          guest.connectionTo(host.peerId)?.connectionState === 'connected' &&
          host.connectionTo(guest.peerId)?.connectionState === 'connected',
        `cycle ${cycle}: guest and host connected`,
      );
      const left = nextEvent(host, 'p2p-peer-left');
      if (cycle <= CYCLES / 2) guest.leave();
      else guest.remove();
      await left;
    }
    expect(peerLeftAtHost).to.have.length(CYCLES);

    // The guest is out; only the host's own things may still be alive.
    await until(() => recorded.sockets.filter((ws) => !isShut(ws)).length === 1, 'only the host’s socket to be open');
    const open = recorded.pcs.filter((pc) => !isClosed(pc));
    // The host keeps exactly one connection: the offer it holds at the relay for the next joiner.
    expect(open, `open RTCPeerConnections of ${recorded.pcs.length}`).to.have.length(1);
    expect(host.peers).to.have.length(0);
    const guestTracks = recorded.tracks.filter((track) => !hostTracks.includes(track));
    expect(guestTracks.length, 'the guest captured its camera and mic each time').to.be.at.least(2 * CYCLES);
    expect(guestTracks.filter((t) => t.readyState !== 'ended'), 'live tracks of the guest').to.have.length(0);
    expect(guest.localStream).to.equal(null);
    expect(recorded.pcs.length, 'connections really were made').to.be.at.least(2 * CYCLES);
    expect((await relayStats()).peers).to.equal(1);
    // Asked once for the page (camera and microphone), not at each of the guest's ten returns to it.
    expect(recorded.permissionStatuses.length, 'permissions asked').to.be.at.most(2);

    // And once the host goes too, nothing at all is left.
    host.remove();
    await until(() => recorded.sockets.every(isShut), 'every socket to be closed');
    expect(recorded.pcs.filter((pc) => !isClosed(pc)), 'open RTCPeerConnections').to.have.length(0);
    expect(recorded.tracks.filter((t) => t.readyState !== 'ended'), 'live captured tracks').to.have.length(0);
    // Chromium ends a closed connection's receiving tracks a moment after close().
    const liveReceived = () => receivedTracks(recorded).filter((t) => t.readyState !== 'ended');
    await until(() => liveReceived().length === 0, 'every received track to end', 3000).catch(() => {
      expect(liveReceived(), 'live received tracks').to.have.length(0);
    });
    await until(() => recorded.audioContexts.every((c) => c.state === 'closed'), 'every AudioContext to be closed');
    await until(async () => (await relayStats()).peers === 0, 'the relay to forget both');
  });
});
