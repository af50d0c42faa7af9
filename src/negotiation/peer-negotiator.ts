import type { CandidateInit, DescriptionInit } from '../protocol/messages.js';

/** What a negotiator asks to have delivered to its remote peer. */
export type OutgoingSignal = { description: DescriptionInit } | { candidate: CandidateInit };

export interface NegotiatorHooks {
  signal(signal: OutgoingSignal): void;
  onRemoteStream(stream: MediaStream): void;
  onConnectionState(state: RTCPeerConnectionState): void;
  /** ICE could not be repaired: the owner should drop this peer. */
  onGiveUp(): void;
  /** Connected again after trouble, yet nothing arrives: the owner should make a new connection. */
  onSilentAfterRepair(): void;
}

export type MediaKind = 'audio' | 'video';

/** What to send: the stream the remote side groups my tracks under, and the tracks so far. */
export interface OutgoingMedia {
  stream: MediaStream;
  tracks: Partial<Record<MediaKind, MediaStreamTrack | null>>;
}

export interface NegotiatorOptions {
  rtcConfig: RTCConfiguration;
  outgoing: OutgoingMedia;
}

/** How long `disconnected` may last before an ICE restart is tried. */
const DISCONNECT_GRACE_MS = 2000;

/** How long after trouble starts the connection may take to recover (or, new, to come up). */
const GIVE_UP_AFTER_MS = 15_000;

/** How long a repaired connection may bring nothing (media, RTCP) before it counts as silent. */
const HEARD_WITHIN_MS = 2000;

/**
 * The longest a working connection may bring nothing when the other side
 * sends no media: Chromium still sends RTCP every second or so, Firefox only
 * answers ICE consent checks, every 4-6 s (RFC 7675: 5 s ± 20%).
 */
export const QUIET_CALL_MS = 7000;

const KINDS: readonly MediaKind[] = ['audio', 'video'];

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
  /**
   * The DTLS fingerprint of the remote peer's connection that this one
   * replaces (see onSilentAfterRepair): descriptions still on their way
   * from it are stale, and must not be taken for this connection's.
   */
  replacing?: string;
  /**
   * Made as an offer held at the relay. Whoever took it and sends an offer
   * instead of the answer chose a new connection of theirs (RoomSession:
   * back on the relay, they had one to me that no longer worked).
   */
  heldOffer = false;
  /** What the last TURN server that failed this connection said (URL, code, text), for the message when it is given up. */
  turnError?: string;
  #makingOffer = false;
  #ignoreOffer = false;
  /** startOffering() was called: this side made (or is making) the first offer. */
  #offering = false;
  /** Candidates that came before any remote description; applied right after it. */
  #pendingCandidates: CandidateInit[] = [];
  /** Incoming signals run one at a time, so a candidate never overtakes its description. */
  #incoming: Promise<void> = Promise.resolve();
  #queued = 0;
  readonly #streams = new Set<string>();
  /** My sender for each kind: tracks come and go by replaceTrack, never renegotiation. */
  readonly #senders: Partial<Record<MediaKind, RTCRtpSender>> = {};
  #graceTimer?: ReturnType<typeof setTimeout>;
  #giveUpTimer?: ReturnType<typeof setTimeout>;
  /** The give-up clock ran out once while packets were still arriving, and was given one more period. */
  #giveUpExtended = false;
  /** Went `disconnected` or `failed` since it was last `connected`. */
  #inTrouble = false;
  #wasConnected = false;
  #closed = false;

  readonly #hooks: NegotiatorHooks;
  readonly #options: NegotiatorOptions;

  constructor(hooks: NegotiatorHooks, options: NegotiatorOptions) {
    this.#hooks = hooks;
    this.#options = options;
    // One transport for audio and video from the first offer. Under the default
    // ('balanced') an offer gathers on a transport per kind until the answer
    // bundles them: twice the candidates to send, hold at the relay and try,
    // and twice the TURN allocations. Every peer is this code, so all bundle.
    const pc = (this.pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', ...options.rtcConfig }));
    pc.onnegotiationneeded = () => void this.#makeOffer();
    pc.onicecandidate = ({ candidate }) => {
      // The end-of-candidates null is not sent: trickle ICE works without it.
      if (candidate) hooks.signal({ candidate: candidate.toJSON() as CandidateInit });
    };
    pc.ontrack = ({ track, streams }) => {
      const stream = streams[0] ?? new MediaStream([track]);
      if (this.#streams.has(stream.id)) return;
      this.#streams.add(stream.id);
      hooks.onRemoteStream(stream);
    };
    pc.onconnectionstatechange = () => this.#connectionStateChanged();
    // A wrong secret (401) or no answer (701) from a TURN server is otherwise only ever "unreachable".
    pc.onicecandidateerror = ({ url, errorCode, errorText }) => {
      if (/^turns?:/.test(url ?? '')) this.turnError = `${url}: ${errorCode} ${errorText}`.trim();
    };
    // Failures are told by the ICE state: Firefox's connection state stays `failed` through an ICE
    // restart that fails again, so the connection state would tell only of the first.
    pc.oniceconnectionstatechange = () => {
      if (pc.iceConnectionState === 'failed') this.#repair(true);
    };
  }

  /**
   * For the side that starts: adds its transceivers, which triggers
   * negotiationneeded. The other side never calls this; it claims the
   * transceivers the remote offer creates, so no extra m-lines and no second
   * round trip. A method, not an option, so a connection can be built before
   * it is known which side it will be (RoomSession's spare).
   */
  startOffering(): void {
    this.#offering = true;
    for (const kind of KINDS) this.#addSender(kind);
  }

  /**
   * Other STUN/TURN servers or transport policy (the relay's fresh TURN
   * credentials, the page's new ones) for what this connection gathers from
   * now on: its first offer or answer, or an ICE restart.
   */
  reconfigure(config: RTCConfiguration): void {
    try {
      this.pc.setConfiguration({ ...this.pc.getConfiguration(), ...config });
    } catch (error) {
      console.warn('p2p-call: the ICE configuration could not be changed', error);
    }
  }

  /**
   * An offer from another connection than the one this one talks to: the
   * remote peer made a new one (see onSilentAfterRepair). A connection that
   * has not heard from the remote side yet takes any, unless it is a held
   * offer (see heldOffer), or the polite side of two first offers that
   * crossed (both sides tried again at once, or a joiner's offer met a late
   * one of mine): rolled back, its own transceivers would stay unused, and
   * sending would take a second offer, which Chromium fails against Firefox
   * ("codec collision for header extension"): one way only, for good. So
   * it answers on a new connection, and the impolite side ignores its offer.
   * Never one from the connection this one replaces.
   */
  isFromAnotherConnection(description: DescriptionInit): boolean {
    const theirs = sdpAttribute(description.sdp, 'fingerprint');
    if (description.type !== 'offer' || theirs === this.replacing) return false; // stale: see handleDescription
    const current = this.remoteFingerprint;
    return current === undefined ? this.heldOffer || (this.polite && this.#offering) : theirs !== current;
  }

  /**
   * The remote connection's DTLS fingerprint, once it is known (none once
   * closed: Firefox throws then): one per RTCPeerConnection, kept across ICE
   * restarts.
   */
  get remoteFingerprint(): string | undefined {
    return this.#closed ? undefined : sdpAttribute(this.pc.remoteDescription?.sdp, 'fingerprint');
  }

  /**
   * Whether this connection is up and something (media, RTCP) arrives on it.
   * `connected` alone is not enough: the other side may have closed its end
   * while the path between us was down, and ICE takes seconds to notice.
   * Media (audio, even muted, or video) arrives every few ms, so nothing in
   * the last HEARD_WITHIN_MS says it; from a `quiet` side, which sends none,
   * up to QUIET_CALL_MS more are waited out.
   * Firefox's getStats throws on a closed connection, and never settles if
   * it is closed while it runs: callers judge nothing from it but the answer.
   */
  async isWorking(quiet: boolean): Promise<boolean> {
    if (this.pc.connectionState !== 'connected') return false;
    return (await heardLately(this.pc, HEARD_WITHIN_MS)) || (quiet && heardWithin(this.pc, QUIET_CALL_MS));
  }

  /** Whether this connection was ever up (not just being set up). */
  get wasConnected(): boolean {
    return this.#wasConnected;
  }

  /** An offer or answer from the remote peer. */
  handleDescription(description: DescriptionInit): Promise<void> {
    return this.#enqueue(async () => {
      const pc = this.pc;
      if (this.replacing && sdpAttribute(description.sdp, 'fingerprint') === this.replacing) return;
      // My first offer is under way from startOffering() on, before its negotiationneeded fires: an
      // offer taken meanwhile would be answered beside my transceivers, left for a second offer.
      const offerPending = this.#offering && !pc.localDescription;
      const collision =
        description.type === 'offer' && (this.#makingOffer || offerPending || pc.signalingState !== 'stable');
      this.#ignoreOffer = !this.polite && collision;
      if (this.#ignoreOffer) return;
      // For the polite side, this implicitly rolls back its own offer on glare.
      await pc.setRemoteDescription(description.type === 'answer' ? keepDtlsRoles(pc, description) : (description as RTCSessionDescriptionInit));
      if (description.type === 'offer') {
        this.#claimSenders();
        // The answer leaves before it is applied, so the offerer sets up its
        // video sender while this side applies the answer and starts ICE and
        // DTLS. The sooner that happens before the transport is writable, the
        // likelier its first frame goes out one camera frame earlier: libwebrtc
        // spends the first frame after that setup configuring the encoder
        // (bench/FINDINGS.md; 150 interleaved runs: p50 107 → 101 ms).
        const answer = await pc.createAnswer();
        this.#hooks.signal({ description: { type: 'answer', sdp: answer.sdp ?? '' } });
        await pc.setLocalDescription(answer);
      }
      // After the answer is on its way: nothing can connect before the other
      // side has it, so it must not wait behind a dozen addIceCandidate calls.
      await this.#flushCandidates();
    });
  }

  /** A trickled candidate from the remote peer. */
  handleCandidate(candidate: CandidateInit): Promise<void> {
    return this.#enqueue(async () => {
      if (!this.pc.remoteDescription) {
        this.#pendingCandidates.push(candidate);
        return;
      }
      await this.#addCandidate(candidate);
    });
  }

  /**
   * Swap what is sent for one kind without renegotiating: the camera once
   * it is ready, another device, a screen share, nothing.
   */
  async replaceTrack(kind: MediaKind, track: MediaStreamTrack | null): Promise<void> {
    await this.#senders[kind]?.replaceTrack(track);
  }

  /** Start an ICE restart; perfect negotiation carries it out. */
  restartIce(): void {
    this.pc.restartIce();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#graceTimer);
    clearTimeout(this.#giveUpTimer);
    this.pc.onnegotiationneeded = this.pc.onicecandidate = this.pc.ontrack = null;
    this.pc.onconnectionstatechange = this.pc.oniceconnectionstatechange = this.pc.onicecandidateerror = null;
    this.pc.close();
  }

  /**
   * A sendrecv slot even before the camera is ready (or if it never is):
   * the call can be set up while getUserMedia is still waiting for the user,
   * and the track arrives later by replaceTrack.
   */
  #addSender(kind: MediaKind): void {
    const { stream, tracks } = this.#options.outgoing;
    const transceiver = this.pc.addTransceiver(tracks[kind] ?? kind, { direction: 'sendrecv', streams: [stream] });
    this.#senders[kind] = transceiver.sender;
  }

  /** Answering: take the first transceiver of each kind the offer made, to send on. */
  #claimSenders(): void {
    const { stream, tracks } = this.#options.outgoing;
    for (const transceiver of this.pc.getTransceivers()) {
      const kind = transceiver.receiver.track.kind as MediaKind;
      if (this.#senders[kind] || transceiver.currentDirection === 'stopped') continue;
      transceiver.direction = 'sendrecv';
      transceiver.sender.setStreams(stream);
      void transceiver.sender.replaceTrack(tracks[kind] ?? null);
      this.#senders[kind] = transceiver.sender;
    }
  }

  async #makeOffer(): Promise<void> {
    try {
      this.#makingOffer = true;
      await this.pc.setLocalDescription();
      this.#hooks.signal({ description: this.pc.localDescription!.toJSON() as DescriptionInit });
    } catch (error) {
      if (this.#closed) return; // the common cause
      console.warn('p2p-call: could not create an offer', error);
      // No negotiationneeded follows until the connection is next stable: a first offer that
      // failed is no longer under way, so theirs is taken, not ignored (see handleDescription).
      if (!this.pc.localDescription) this.#offering = false;
    } finally {
      this.#makingOffer = false;
    }
  }

  /** All at once: the connection applies them in order on its own operations chain. */
  async #flushCandidates(): Promise<void> {
    const pending = this.#pendingCandidates;
    this.#pendingCandidates = [];
    await Promise.all(pending.map((candidate) => this.#addCandidate(candidate)));
  }

  async #addCandidate(candidate: CandidateInit): Promise<void> {
    // One of another connection or ICE generation of theirs (a held offer I did not take, a restart
    // of a connection whose other end I closed) would only fail, with a warning for nothing.
    const ufrag = sdpAttribute(this.pc.remoteDescription?.sdp, 'ice-ufrag');
    if (candidate?.usernameFragment && ufrag && candidate.usernameFragment !== ufrag) return;
    try {
      await this.pc.addIceCandidate(candidate ?? undefined);
    } catch (error) {
      // Candidates of an offer we chose to ignore are expected to fail.
      if (!this.#ignoreOffer) throw error;
    }
  }

  /**
   * While remote signals are being applied: when they will be done
   * (RoomSession.busy). Not while ICE and DTLS run after them: a drawing held
   * back for that long (at most 100 ms) landed in the middle of the DTLS
   * handshake whenever it took longer, which on a busy 2-core machine cost
   * more than it saved (bench/FINDINGS.md, 2026-12-04).
   */
  get busy(): Promise<void> | undefined {
    return this.#queued ? this.#incoming : undefined;
  }

  /** Resolves when the step is done; a failed step is logged, never thrown at the caller. */
  #enqueue(task: () => Promise<void>): Promise<void> {
    this.#queued++;
    this.#incoming = this.#incoming
      .then(() => (this.#closed ? undefined : task()))
      .catch((error: unknown) => {
        if (!this.#closed) console.warn('p2p-call: signaling step failed', error);
      })
      .finally(() => this.#queued--);
    return this.#incoming;
  }

  /**
   * Starts the give-up clock for a connection that has a remote peer now
   * (a held offer waits for a joiner without one). An answer that never
   * comes, or ICE that never completes, must not leave a peer half-joined.
   */
  expectConnection(): void {
    if (this.pc.connectionState !== 'connected') this.#startGiveUpClock();
  }

  #startGiveUpClock(): void {
    this.#giveUpTimer ??= setTimeout(() => void this.#giveUpUnlessArriving(), GIVE_UP_AFTER_MS);
  }

  /**
   * On a starved device (a cheap phone, a busy page) the page's view of a
   * connection lags WebRTC's by seconds: its `connected` waits in the queue
   * behind this timer while media already arrives. One whose packets (media,
   * ICE checks) still arrive gets one more period; a dead path brings none.
   */
  async #giveUpUnlessArriving(): Promise<void> {
    const clock = this.#giveUpTimer;
    // (Firefox's getStats throws on a closed connection, or never settles if it closes meanwhile: closed is no matter here.)
    const arriving = !this.#giveUpExtended && (await heardLately(this.pc, HEARD_WITHIN_MS).catch(() => false));
    // Closed, or up at last (its state event out of the queue), or in new trouble with a clock of its own.
    if (this.#closed || this.#giveUpTimer !== clock || this.pc.connectionState === 'connected') return;
    this.#giveUpTimer = undefined;
    if (arriving) {
      this.#giveUpExtended = true;
      this.#startGiveUpClock();
    } else this.#hooks.onGiveUp();
  }

  /**
   * ICE repair: a failure restarts at once; `disconnected` often heals by
   * itself (a lost packet burst), so it gets a grace period first. If nothing
   * is connected again within GIVE_UP_AFTER_MS, the peer is given up.
   */
  #connectionStateChanged(): void {
    const state = this.pc.connectionState;
    this.#hooks.onConnectionState(state);
    if (state === 'connected') {
      this.#wasConnected = true;
      clearTimeout(this.#graceTimer);
      clearTimeout(this.#giveUpTimer);
      this.#giveUpTimer = undefined;
      this.#giveUpExtended = false;
      if (this.#inTrouble) void this.#checkHeardAfterRepair();
      this.#inTrouble = false;
    } else if (state === 'disconnected') this.#repair(false);
    else if (state === 'failed') this.#startGiveUpClock(); // ICE's own `failed` restarts it (see the constructor)
  }

  #repair(now: boolean): void {
    this.#inTrouble = true;
    this.#startGiveUpClock();
    clearTimeout(this.#graceTimer);
    if (now) this.restartIce();
    else this.#graceTimer = setTimeout(() => this.restartIce(), DISCONNECT_GRACE_MS);
  }

  /**
   * Connected again is not always working again. Firefox, once its ICE
   * failed (a network outage longer than ~7 s) and was restarted, comes back
   * `connected` and goes on receiving, but sends nothing more on the new
   * path, RTCP included, for good: the other side sees a frozen picture and
   * hears nothing, and no further ICE restart helps. Only a new connection (a
   * new DTLS session) does. A muted microphone or a disabled camera still
   * sends packets, and a receiver RTCP; a call where neither side has any
   * device at all is made anew once after a repair, for nothing but a
   * renegotiation.
   */
  async #checkHeardAfterRepair(): Promise<void> {
    try {
      const heard = await heardWithin(this.pc, HEARD_WITHIN_MS);
      // Closed, or in trouble again (which checks once it is repaired): not this check's to judge.
      if (this.#closed || this.pc.connectionState !== 'connected') return;
      if (!heard) this.#hooks.onSilentAfterRepair();
    } catch {
      // Closed meanwhile: Firefox's getStats throws then.
    }
  }
}

/** Whether anything (media, RTCP) arrives on a connection within `ms`. Throws if it is closed meanwhile, or never settles (Firefox's getStats: see isWorking). */
export async function heardWithin(pc: RTCPeerConnection, ms: number): Promise<boolean> {
  const before = await bytesReceived(pc);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return (await bytesReceived(pc)) !== before;
}

/** Whether anything (media, RTCP) arrived on a connection in the last `ms`: read off the stats' own clock, without waiting. */
async function heardLately(pc: RTCPeerConnection, ms: number): Promise<boolean> {
  let now = 0;
  let last = -Infinity;
  (await pc.getStats()).forEach((report) => {
    if (report.type !== 'candidate-pair') return;
    now = report.timestamp;
    last = Math.max(last, report.lastPacketReceivedTimestamp ?? -Infinity);
  });
  return now - last <= ms;
}

/**
 * Everything received on a connection's candidate pairs so far, RTCP included.
 * Not its transport's count: Firefox leaves that out.
 */
async function bytesReceived(pc: RTCPeerConnection): Promise<number> {
  let bytes = 0;
  (await pc.getStats()).forEach((report) => {
    if (report.type === 'candidate-pair') bytes += report.bytesReceived ?? 0;
  });
  return bytes;
}

/** The value of a description's first `a=<name>:` line. */
function sdpAttribute(sdp: string | undefined, name: 'fingerprint' | 'setup' | 'ice-ufrag'): string | undefined {
  return sdp?.match(new RegExp(`^a=${name}:([^\r\n]+)`, 'm'))?.[1];
}

/**
 * An answer to a re-offer (an ICE restart), read with the DTLS roles the
 * connection already has. Firefox answers every offer with `a=setup:active`,
 * even where it was the DTLS server, and Chromium refuses an answer that
 * would swap the roles of a running transport ("Failed to set SSL role"): its
 * offer would stay pending, and no later ICE restart could repair the
 * connection. The roles do not change on an ICE restart (no new DTLS
 * handshake; Firefox goes on as before), so its answer means the old ones.
 */
function keepDtlsRoles(pc: RTCPeerConnection, answer: DescriptionInit): RTCSessionDescriptionInit {
  // `actpass` in offers, `active` or `passive` in answers.
  const mine = sdpAttribute(pc.currentLocalDescription?.sdp, 'setup');
  const theirs = sdpAttribute(pc.currentRemoteDescription?.sdp, 'setup');
  // The answerer's setup is the role; the offerer's (actpass) is the other one.
  const remoteRole = theirs === 'active' || theirs === 'passive' ? theirs : mine === 'active' ? 'passive' : mine === 'passive' ? 'active' : undefined;
  if (!remoteRole) return answer as RTCSessionDescriptionInit; // A first answer: it sets the roles.
  return { type: 'answer', sdp: (answer.sdp ?? '').replace(/^a=setup:(?:active|passive)/gm, `a=setup:${remoteRole}`) };
}
