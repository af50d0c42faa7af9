import type { CandidateInit, DescriptionInit } from '../protocol/messages.js';

/** What a negotiator asks to have delivered to its remote peer. */
export type OutgoingSignal = { description: DescriptionInit } | { candidate: CandidateInit };

export interface NegotiatorHooks {
  signal(signal: OutgoingSignal): void;
  onRemoteStream(stream: MediaStream): void;
  onConnectionState(state: RTCPeerConnectionState): void;
  /** ICE could not be repaired: the owner should drop this peer. */
  onGiveUp(): void;
}

export interface NegotiatorOptions {
  rtcConfig: RTCConfiguration;
  /** Local media to send; null means receive-only (no camera/mic available). */
  localStream: MediaStream | null;
  /** How long `disconnected` may last before an ICE restart is tried. */
  disconnectGraceMs?: number;
  /** How long after trouble starts the connection may take to recover. */
  giveUpAfterMs?: number;
}

/**
 * One RTCPeerConnection to one remote peer, negotiated with the "perfect
 * negotiation" pattern: both sides run the same code, and when their offers
 * cross (glare) the polite side rolls back and the impolite side ignores the
 * incoming offer. Knows nothing of the DOM or of the relay: it emits signals
 * and takes them in.
 */
export class PeerNegotiator {
  readonly pc: RTCPeerConnection;
  /** Settable because a held offer is made before its remote peer is known. */
  polite = false;
  private makingOffer = false;
  private ignoreOffer = false;
  /** Candidates that came before any remote description; applied right after it. */
  private pendingCandidates: CandidateInit[] = [];
  /** Incoming signals run one at a time, so a candidate never overtakes its description. */
  private incoming: Promise<void> = Promise.resolve();
  private readonly streams = new Set<string>();
  private graceTimer?: ReturnType<typeof setTimeout>;
  private giveUpTimer?: ReturnType<typeof setTimeout>;
  private closed = false;

  constructor(
    private readonly hooks: NegotiatorHooks,
    private readonly options: NegotiatorOptions,
  ) {
    const pc = (this.pc = new RTCPeerConnection(options.rtcConfig));
    pc.onnegotiationneeded = () => void this.makeOffer();
    pc.onicecandidate = ({ candidate }) => {
      // The end-of-candidates null is not sent: trickle ICE works without it.
      if (candidate) hooks.signal({ candidate: candidate.toJSON() as CandidateInit });
    };
    pc.ontrack = ({ track, streams }) => {
      const stream = streams[0] ?? new MediaStream([track]);
      if (this.streams.has(stream.id)) return;
      this.streams.add(stream.id);
      hooks.onRemoteStream(stream);
    };
    pc.onconnectionstatechange = () => this.connectionStateChanged();
    this.attachLocalMedia(options.localStream);
  }

  /** An offer or answer from the remote peer. */
  handleDescription(description: DescriptionInit): Promise<void> {
    return this.enqueue(async () => {
      const pc = this.pc;
      const collision =
        description.type === 'offer' && (this.makingOffer || pc.signalingState !== 'stable');
      this.ignoreOffer = !this.polite && collision;
      if (this.ignoreOffer) return;
      // For the polite side, this implicitly rolls back its own offer on glare.
      await pc.setRemoteDescription(description as RTCSessionDescriptionInit);
      await this.flushCandidates();
      if (description.type === 'offer') {
        await pc.setLocalDescription();
        this.hooks.signal({ description: pc.localDescription!.toJSON() as DescriptionInit });
      }
    });
  }

  /** A trickled candidate from the remote peer. */
  handleCandidate(candidate: CandidateInit): Promise<void> {
    return this.enqueue(async () => {
      if (!this.pc.remoteDescription) {
        this.pendingCandidates.push(candidate);
        return;
      }
      await this.addCandidate(candidate);
    });
  }

  /** Swap what is sent for one kind without renegotiating (device switch, screen share). */
  async replaceTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void> {
    const sender = this.pc.getTransceivers().find((t) => t.receiver.track.kind === kind)?.sender;
    await sender?.replaceTrack(track);
  }

  /** Start an ICE restart; perfect negotiation carries it out. */
  restartIce(): void {
    this.pc.restartIce();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.graceTimer);
    clearTimeout(this.giveUpTimer);
    this.pc.onnegotiationneeded = this.pc.onicecandidate = this.pc.ontrack = null;
    this.pc.onconnectionstatechange = null;
    this.pc.close();
  }

  private attachLocalMedia(stream: MediaStream | null): void {
    for (const kind of ['audio', 'video'] as const) {
      const track = stream?.getTracks().find((t) => t.kind === kind);
      if (track && stream) this.pc.addTrack(track, stream);
      // Without a local track we still want to see and hear the others.
      else this.pc.addTransceiver(kind, { direction: 'recvonly' });
    }
  }

  private async makeOffer(): Promise<void> {
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      this.hooks.signal({ description: this.pc.localDescription!.toJSON() as DescriptionInit });
    } catch (error) {
      // A failed offer is retried by the next negotiationneeded; closing is the common cause.
      if (!this.closed) console.warn('p2p-call: could not create an offer', error);
    } finally {
      this.makingOffer = false;
    }
  }

  private async flushCandidates(): Promise<void> {
    const pending = this.pendingCandidates;
    this.pendingCandidates = [];
    for (const candidate of pending) await this.addCandidate(candidate);
  }

  private async addCandidate(candidate: CandidateInit): Promise<void> {
    try {
      await this.pc.addIceCandidate(candidate ?? undefined);
    } catch (error) {
      // Candidates of an offer we chose to ignore are expected to fail.
      if (!this.ignoreOffer) throw error;
    }
  }

  /** Resolves when the step is done; a failed step is logged, never thrown at the caller. */
  private enqueue(task: () => Promise<void>): Promise<void> {
    this.incoming = this.incoming
      .then(() => (this.closed ? undefined : task()))
      .catch((error: unknown) => {
        if (!this.closed) console.warn('p2p-call: signaling step failed', error);
      });
    return this.incoming;
  }

  /**
   * ICE repair: `failed` restarts at once; `disconnected` often heals by
   * itself (a lost packet burst), so it gets a grace period first. If nothing
   * is connected again within giveUpAfterMs, the peer is given up.
   */
  private connectionStateChanged(): void {
    const state = this.pc.connectionState;
    this.hooks.onConnectionState(state);
    const { disconnectGraceMs = 2000, giveUpAfterMs = 15_000 } = this.options;
    if (state === 'connected') {
      clearTimeout(this.graceTimer);
      clearTimeout(this.giveUpTimer);
      this.giveUpTimer = undefined;
      return;
    }
    if (state !== 'disconnected' && state !== 'failed') return;
    this.giveUpTimer ??= setTimeout(() => this.hooks.onGiveUp(), giveUpAfterMs);
    clearTimeout(this.graceTimer);
    if (state === 'failed') this.restartIce();
    else this.graceTimer = setTimeout(() => this.restartIce(), disconnectGraceMs);
  }
}
