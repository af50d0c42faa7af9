/**
 * PeerNegotiator on its own: two real RTCPeerConnections in this page, their
 * signals passed by hand, so ordering (glare, early candidates) is ours to set.
 */
import { expect } from 'chai';
import { PeerNegotiator, type OutgoingSignal } from '../../src/negotiation/peer-negotiator.js';
import { until } from './helpers.js';
import type { DescriptionInit } from '../../src/protocol/messages.js';

interface Side {
  negotiator: PeerNegotiator;
  streams: MediaStream[];
  /** Signals this side sent that the wire has not delivered yet. */
  outbox: OutgoingSignal[];
  /** The signaling state at the moment each description was sent. */
  sentIn: RTCSignalingState[];
}

/**
 * The wire between two sides: delivers every signal in order, one at a time,
 * unless held. Holding lets a test make both sides speak before either hears.
 */
class Wire {
  held = true;
  private closed = false;

  constructor(private readonly sides: [Side, Side]) {
    void this.pump();
  }

  close(): void {
    this.closed = true;
    for (const s of this.sides) s.negotiator.close();
  }

  /** Delivers only what `from` has sent of one kind, now, even while held. */
  async deliver(from: Side, kind: 'candidate' | 'description'): Promise<number> {
    const to = this.sides[0] === from ? this.sides[1] : this.sides[0];
    const picked = from.outbox.filter((signal) => kind in signal);
    from.outbox = from.outbox.filter((signal) => !(kind in signal));
    for (const signal of picked) await Wire.hand(to, signal);
    return picked.length;
  }

  private static hand(to: Side, signal: OutgoingSignal): Promise<void> {
    return 'description' in signal
      ? to.negotiator.handleDescription(signal.description)
      : to.negotiator.handleCandidate(signal.candidate);
  }

  private async pump(): Promise<void> {
    while (!this.closed) {
      await new Promise((r) => setTimeout(r, 5));
      if (this.held) continue;
      for (const [from, to] of [this.sides, [...this.sides].reverse()] as [Side, Side][]) {
        for (const signal of from.outbox.splice(0)) await Wire.hand(to, signal);
      }
    }
  }
}

/** One end; `offering` if it starts the call, sending `camera`'s tracks if given. */
function side(polite: boolean, camera: MediaStream | null, offering: boolean): Side {
  const s: Side = { streams: [], outbox: [], sentIn: [] } as unknown as Side;
  s.negotiator = new PeerNegotiator(
    {
      signal: (signal) => {
        if ('description' in signal) s.sentIn.push(s.negotiator.pc.signalingState);
        s.outbox.push(signal);
      },
      onRemoteStream: (stream) => s.streams.push(stream),
      onConnectionState: () => {},
      onGiveUp: () => {},
      onSilentAfterRepair: () => {},
    },
    {
      rtcConfig: {},
      outgoing: {
        stream: new MediaStream(),
        tracks: { audio: camera?.getAudioTracks()[0] ?? null, video: camera?.getVideoTracks()[0] ?? null },
      },
    },
  );
  s.negotiator.polite = polite;
  if (offering) s.negotiator.startOffering();
  return s;
}

async function videoFramesDecodedPerTrack(pc: RTCPeerConnection): Promise<number[]> {
  const decoded: number[] = [];
  (await pc.getStats()).forEach((r) => {
    if (r.type === 'inbound-rtp' && r.kind === 'video') decoded.push(r.framesDecoded ?? 0);
  });
  return decoded;
}

/**
 * An SDP as it was before ICE gathering went on: a local description gains the candidates
 * gathered since (and their address in the m= and c= lines), a remote one those added to it.
 */
const beforeGathering = (sdp: string) =>
  sdp
    .split('\r\n')
    .filter((line) => !line.startsWith('a=candidate:') && line !== 'a=end-of-candidates')
    .map((line) => line.replace(/^(m=\S+) \d+ /, '$1 9 ').replace(/^c=IN IP[46] \S+$/, 'c=IN IP4 0.0.0.0'))
    .join('\r\n');

/** The first description a side sent (its offer), once it has sent one. */
async function offerOf(s: Side): Promise<DescriptionInit> {
  await until(() => s.outbox.some((signal) => 'description' in signal), 'a first offer');
  return s.outbox.flatMap((signal) => ('description' in signal ? [signal.description] : []))[0]!;
}

const stable = (s: Side) => s.negotiator.pc.signalingState === 'stable';
const connected = (s: Side) => s.negotiator.pc.connectionState === 'connected';

describe('PeerNegotiator (perfect negotiation)', () => {
  let camera: MediaStream;
  let wire: Wire | undefined;
  before(async () => {
    camera = await navigator.mediaDevices.getUserMedia({ video: { width: 160, height: 120 }, audio: true });
  });
  afterEach(() => wire?.close());
  after(() => camera.getTracks().forEach((t) => t.stop()));

  /** Wires two sides with nothing held and waits until both are connected and stable. */
  async function callUp(a: Side, b: Side, what: string): Promise<Wire> {
    const w = (wire = new Wire([a, b]));
    w.held = false;
    await until(() => connected(a) && connected(b) && stable(a) && stable(b), what);
    return w;
  }

  it('buffers candidates that arrive before the description, and connects', async () => {
    const caller = side(false, camera, true);
    const callee = side(true, null, false);
    wire = new Wire([caller, callee]);
    await until(() => caller.outbox.some((s) => 'candidate' in s), 'caller candidates');
    // Every candidate first, then the offer: none may be lost.
    expect(await wire.deliver(caller, 'candidate')).to.be.greaterThan(0);
    expect(callee.negotiator.pc.remoteDescription).to.equal(null);
    wire.held = false;
    await until(() => connected(caller) && connected(callee), 'both connected');
    expect(callee.streams).to.have.length(1);
  });

  it('an offer gathers on one transport for audio and video (max-bundle)', async () => {
    const caller = side(false, camera, true);
    wire = new Wire([caller, side(true, null, false)]);
    await until(() => caller.negotiator.pc.iceGatheringState === 'complete', 'gathering complete');
    const candidates = caller.outbox.flatMap((s) => ('candidate' in s ? [s.candidate] : []));
    expect(candidates).to.not.be.empty;
    // Under 'balanced' the video m-line would gather on a transport of its own too.
    expect(new Set(candidates.map((c) => c?.sdpMid))).to.deep.equal(new Set(['0']));
  });

  it('the answer leaves before it is applied, and is the description applied', async () => {
    const host = side(false, camera, true);
    const joiner = side(true, null, false);
    await callUp(host, joiner, 'connected');
    // Sent while the offer is applied and the answer is not: the host sets up its sender meanwhile.
    expect(joiner.sentIn).to.deep.equal(['have-remote-offer']);
    expect(beforeGathering(joiner.negotiator.pc.localDescription!.sdp)).to.equal(
      beforeGathering(host.negotiator.pc.remoteDescription!.sdp),
    );
  });

  it('an answer made before the camera was ready gets the camera later, with no renegotiation', async () => {
    const host = side(false, camera, true);
    const joiner = side(true, null, false);
    const link = await callUp(host, joiner, 'connected without a camera');
    const descriptions = () => host.outbox.length + joiner.outbox.length;
    // No camera yet: no video has arrived (no inbound stats at all, or zero frames).
    expect((await videoFramesDecodedPerTrack(host.negotiator.pc)).filter((n) => n > 0)).to.deep.equal([]);

    link.held = true; // Nothing may need to be said for the camera to flow.
    await joiner.negotiator.replaceTrack('video', camera.getVideoTracks()[0]);
    await until(
      async () => ((await videoFramesDecodedPerTrack(host.negotiator.pc))[0] ?? 0) >= 10,
      'frames from the late camera',
    );
    expect(descriptions()).to.equal(0);
    expect(host.streams).to.have.length(1);
  });

  it('glare: both sides renegotiate at once and both end stable with media flowing', async () => {
    const polite = side(true, camera, false);
    const impolite = side(false, camera, true);
    const link = await callUp(polite, impolite, 'first connection');
    link.held = true;

    // Both add a track in the same tick: both make offers that cross on the wire.
    const extra = camera.getVideoTracks()[0].clone();
    polite.negotiator.pc.addTrack(extra);
    impolite.negotiator.pc.addTrack(extra.clone());
    await until(
      () => polite.outbox.some((s) => 'description' in s) && impolite.outbox.some((s) => 'description' in s),
      'two crossing offers',
    );
    expect(polite.negotiator.pc.signalingState).to.equal('have-local-offer');
    expect(impolite.negotiator.pc.signalingState).to.equal('have-local-offer');
    link.held = false;

    await until(() => stable(polite) && stable(impolite), 'both stable after glare');
    expect(connected(polite) && connected(impolite)).to.equal(true);
    // Each side now receives both of the other's video tracks.
    // Each side now decodes both of the other's video tracks. (Chromium can leave
    // track.muted stale after a rollback, so frames decoded are the evidence.)
    for (const s of [polite, impolite]) {
      await until(
        async () => (await videoFramesDecodedPerTrack(s.negotiator.pc)).filter((n) => n >= 5).length >= 2,
        'frames decoded on two remote video tracks',
      );
    }
  });

  it('two first offers that cross: the polite side answers on a new connection, the impolite one ignores its offer; media both ways, no second round', async () => {
    const polite = side(true, camera, true);
    const impolite = side(false, camera, true);
    const [politeOffer, impoliteOffer] = [await offerOf(polite), await offerOf(impolite)];
    // Rolled back instead, the polite side's own transceivers would stay unused: a second offer needed.
    expect(polite.negotiator.isFromAnotherConnection(impoliteOffer), 'the polite side takes theirs as a new connection').to.equal(true);
    expect(impolite.negotiator.isFromAnotherConnection(politeOffer), 'the impolite side keeps its own').to.equal(false);
    await impolite.negotiator.handleDescription(politeOffer);
    expect(impolite.outbox.filter((signal) => 'description' in signal), 'ignored: no answer').to.have.length(1);
    // What RoomSession does with an offer from another connection: answers it on a new one.
    polite.negotiator.close();
    const fresh = side(true, camera, false);
    impolite.outbox = impolite.outbox.filter((signal) => !('description' in signal));
    await fresh.negotiator.handleDescription(impoliteOffer);
    await callUp(fresh, impolite, 'the new connection up');
    for (const s of [fresh, impolite]) {
      expect(s.negotiator.pc.getTransceivers(), 'one audio and one video slot, none left unused').to.have.length(2);
      await until(async () => ((await videoFramesDecodedPerTrack(s.negotiator.pc))[0] ?? 0) >= 5, 'frames decoded both ways');
    }
    expect([...impolite.sentIn, ...fresh.sentIn], 'one offer and one answer').to.deep.equal(['have-local-offer', 'have-remote-offer']);
  });

  it('an offer that comes after startOffering() but before my offer is made: the impolite side still ignores it, and its own offer is the one', async () => {
    const polite = side(true, camera, true);
    const politeOffer = await offerOf(polite);
    // Its transceivers are added, its negotiationneeded not fired yet: taken now, the offer's
    // m-lines would be answered beside them, and its own would need a second offer.
    const impolite = side(false, camera, true);
    await impolite.negotiator.handleDescription(politeOffer);
    await until(() => impolite.outbox.some((signal) => 'description' in signal), 'the impolite side’s own offer');
    const descriptions = () => impolite.outbox.flatMap((signal) => ('description' in signal ? [signal.description.type] : []));
    expect(descriptions(), 'no answer to theirs, only its own offer').to.deep.equal(['offer']);
    polite.negotiator.close();
    const fresh = side(true, camera, false); // as RoomSession answers an offer from another connection
    await callUp(fresh, impolite, 'the new connection up');
    for (const s of [fresh, impolite])
      expect(s.negotiator.pc.getTransceivers(), 'one audio and one video slot, none left unused').to.have.length(2);
    expect([...impolite.sentIn, ...fresh.sentIn], 'one offer and one answer').to.deep.equal(['have-local-offer', 'have-remote-offer']);
  });

  it('an impolite side whose first offer failed takes the polite side’s offer instead of waiting for its own', async () => {
    const polite = side(true, camera, true);
    const impolite = side(false, camera, true);
    const pc = impolite.negotiator.pc;
    const real = pc.setLocalDescription;
    let failed!: () => void;
    const failedOnce = new Promise<void>((resolve) => (failed = resolve));
    // Its negotiationneeded has not fired yet: the offer it starts fails, once.
    pc.setLocalDescription = async () => {
      pc.setLocalDescription = real;
      failed();
      throw new DOMException('the first offer fails (test)', 'OperationError');
    };
    const warn = console.warn;
    let warned = false;
    console.warn = () => (warned = true);
    try {
      await failedOnce;
      await until(() => warned, 'the failure reported');
    } finally {
      console.warn = warn;
    }
    await offerOf(polite);
    await callUp(polite, impolite, 'connected on the polite side’s offer');
    for (const s of [polite, impolite])
      await until(async () => (await videoFramesDecodedPerTrack(s.negotiator.pc)).some((n) => n >= 5), 'frames decoded both ways');
  });

  it('ICE restart renegotiates new credentials and stays connected', async () => {
    const a = side(false, camera, true);
    const b = side(true, camera, false);
    await callUp(a, b, 'connected');
    const ufrag = (pc: RTCPeerConnection) => /a=ice-ufrag:(\S+)/.exec(pc.localDescription!.sdp)![1];
    const before = ufrag(a.negotiator.pc);
    a.negotiator.restartIce();
    await until(() => ufrag(a.negotiator.pc) !== before, 'new local credentials');
    await until(() => stable(a) && stable(b) && connected(a), 'stable again');
    expect(ufrag(a.negotiator.pc)).to.not.equal(before);
  });
});
