import type {
  ClientMessage,
  DeliveredOffer,
  ErrorCode,
  JoinMessage,
  PeerInfo,
  PeerLeftHow,
  PeerStatus,
  ServerMessage,
} from '../protocol/messages.js';
import { BLOCKED, SignalingClient, type SignalingState } from '../signaling/signaling-client.js';
import {
  heardWithin,
  QUIET_CALL_MS,
  PeerNegotiator,
  type MediaKind,
  type OutgoingMedia,
  type OutgoingSignal,
} from '../negotiation/peer-negotiator.js';
import { iceServersRefusal } from '../negotiation/ice-servers-refusal.js';
import { HeldOffer, type Connection, type Route } from './held-offer.js';
import { GivenUpRetries } from './given-up-retries.js';
import { LostByRelay } from './lost-by-relay.js';

/** Statuses are flat (switches and a name): equal when every field is. */
function sameStatus(a: PeerStatus, b: PeerStatus): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof PeerStatus>;
  return [...keys].every((key) => a[key] === b[key]);
}

/** What the session knows about one other person in the room. */
export interface RemotePeer {
  id: string;
  name?: string;
  status: PeerStatus;
  stream?: MediaStream;
  connectionState: RTCPeerConnectionState;
  /** The connection to them has been up at least once (so a drop is a repair, not a first try). */
  wasConnected: boolean;
}

/**
 * Why a connection was given up on, while that person may still be in the
 * room: `failed`: it went down and could not be repaired; `unreachable`: it
 * never came up, though offer and answer were exchanged (a network path
 * problem: TURN may help); `unanswered`: the offer was never answered, or
 * theirs never applied here, so no network path was even tried.
 */
export type GivenUpReason = 'failed' | 'unreachable' | 'unanswered';

/**
 * Why someone is gone: `left`: they said goodbye; `lost`: the relay lost
 * them without one (their network or device went, a phone slept) and their
 * connection to me went silent: they may come back; or a connection given up on.
 */
export type PeerLeftReason = 'left' | 'lost' | GivenUpReason;

export const givenUp = (reason: PeerLeftReason): reason is GivenUpReason => reason !== 'left' && reason !== 'lost';

/** What can go wrong in a session: the relay's refusals, and the relay out of reach. */
export type SessionErrorCode = ErrorCode | 'relay-unreachable' | 'relay-insecure' | 'relay-blocked' | 'unauthorized';

export interface RoomSessionEvents {
  onJoined?(room: string, peer: string): void;
  onPeerJoined?(peer: RemotePeer): void;
  /** `turnError`: what a TURN server said that failed the connection given up, if one did. */
  onPeerLeft?(peer: RemotePeer, reason: PeerLeftReason, turnError?: string): void;
  onRemoteStream?(peer: string, stream: MediaStream): void;
  onConnectionState?(peer: string, state: RTCPeerConnectionState): void;
  onStatus?(peer: string, status: PeerStatus): void;
  onSignalingState?(state: SignalingState): void;
  onError?(code: SessionErrorCode, message: string): void;
  /**
   * The relay ended my membership (room full, my join or connection refused,
   * or my id is taken), or the browser refused the relay's address outright;
   * the session has closed itself.
   */
  onEnded?(): void;
  /** Anything that changes what should be drawn. */
  onChange?(): void;
  /** Refused back into the room, full meanwhile, while still in a call (see RoomSession.waitingForPlace). */
  onWaitingForPlace?(): void;
}

export interface RoomSessionOptions {
  server: string;
  room: string;
  peerId: string;
  /** Lets my reconnect take my place over before the relay notices the old socket died (JoinMessage.secret). */
  secret?: string;
  maxPeers?: number;
  status?: PeerStatus;
  rtcConfig: RTCConfiguration;
}

/**
 * How often the connection to someone the relay lost is checked for
 * anything received (media, RTCP): a person who is still there sends some
 * every second (one who sends no media, in Firefox, only every 4-6 s:
 * QUIET_CALL_MS); one whose browser died sends nothing, and goes. Without
 * the check they would go only when ICE notices, ~7.6 s here.
 */
const LOST_CHECK_MS = 2000;

/**
 * How long, after my welcome, I wait for the direct offer of someone there
 * who held none for me, before offering myself. They offer at once when
 * told I joined, or joined again (#onPeerJoined). But a member running an
 * older version of this element does not when their held offer went to a
 * join of mine whose welcome never reached me (its socket died first; with
 * Redis, a join run after its socket timed out): they wait for my answer
 * to it, and I would wait for their offer, until their give-up 15 s later.
 * Theirs takes a round trip to the relay and back, which on a slow link (a
 * congested phone network) can be seconds: the wait is longer by as long as
 * my join took to be welcomed (its socket's handshakes too, so more than a
 * round trip).
 * Should theirs still only be late, the two offers cross: see
 * PeerNegotiator.isFromAnotherConnection.
 */
const DIRECT_OFFER_WAIT_MS = 2000;

/**
 * How long a connection may take to come up before I ask whether my relay
 * socket still works (SignalingClient.probe: a ping, and a new socket if no
 * answer comes within 5 s). One that died without a word (a phone changing
 * networks) takes with it what I said to set the connection up, an answer
 * say, or what was said to me; each side then waits for the other until its
 * give-up, 15 s later, and the heartbeat alone notices only in 10-20 s.
 * Probed at 3 s, the socket is replaced in about 8, and the connection made
 * anew (#offerAfresh) before either side gives up. A connection merely slow
 * to come up (TURN far away) costs a ping.
 */
const SETUP_PROBE_MS = 3000;

/** One kind of message from the relay. */
type Relayed<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

/**
 * One membership of one room: joins through the relay, keeps an offer held
 * there for the next joiner, answers the offers held for it, and runs one
 * PeerNegotiator per remote peer. Knows nothing of the DOM.
 */
export class RoomSession {
  readonly peers = new Map<string, RemotePeer>();
  /**
   * Given up on (their connection failed or never came up) but, as far as the
   * relay says, still in the room. They are tried again now and then, without
   * a word to the page; one whose connection comes up is back in `peers`.
   */
  readonly unreachable = new Map<string, RemotePeer>();
  readonly #retries = new GivenUpRetries({
    givenUp: (id) => this.unreachable.has(id),
    trying: (id) => this.#negotiators.has(id),
    canOffer: (id) => this.#canOffer(id),
    offer: (id) => void this.#connect(id, true),
    polite: (id) => this.#polite(id),
  });
  readonly #negotiators = new Map<string, PeerNegotiator>();
  readonly #lostByRelay = new LostByRelay();
  /**
   * The DTLS fingerprint of each peer's end of the connection I last
   * dropped. They may not know yet (the path between us was down), and an
   * ICE restart from it must not be taken for a new connection of theirs:
   * mine is gone, so it cannot be repaired.
   */
  readonly #droppedFingerprints = new Map<string, string>();
  readonly #heldOffer = new HeldOffer({
    create: (route) => this.#createNegotiator(route),
    admitted: () => this.#signaling.state === 'open',
    settled: () => this.#settled(),
    alone: () => !this.#negotiators.size,
  });
  readonly #signaling: SignalingClient;
  /** What every connection sends; tracks are swapped in as they change. */
  readonly #outgoing: OutgoingMedia = { stream: new MediaStream(), tracks: {} };
  #status: PeerStatus;
  /** The relay's STUN/TURN servers (`ice-servers`), used beside the page's own. */
  #relayIceServers: RTCIceServer[] = [];
  /** The status my last join carried: a change made while joining is sent after `welcome`. */
  #joinedWith?: PeerStatus;
  #joined = false;
  /** When the socket that carries my join was opened (see DIRECT_OFFER_WAIT_MS). */
  #joinAskedAt = 0;
  /** The relay refused my reconnection to this address, and has not let me back in since: told once. */
  #refused = false;
  /** Set by close(), which the session also calls itself when the relay ends it (room full). */
  closed = false;
  /** My place in the room was taken while the relay had lost me; my call goes on meanwhile (see #placeTaken). */
  waitingForPlace = false;
  /** Until the relay's `welcome` (or the end): see busy(). */
  #welcomed?: Promise<void>;
  #resolveWelcomed!: () => void;

  #options: RoomSessionOptions;
  readonly #events: RoomSessionEvents;

  constructor(options: RoomSessionOptions, events: RoomSessionEvents = {}) {
    this.#options = options;
    this.#events = events;
    this.#status = { ...options.status };
    this.#welcomed = new Promise<void>((resolve) => (this.#resolveWelcomed = resolve)).then(
      () => (this.#welcomed = undefined),
    );
    this.#signaling = new SignalingClient(
      options.server,
      {
        join: () => this.#joinMessage(),
        onMessage: (message) => this.#handle(message),
        onStateChange: (state) => events.onSignalingState?.(state),
        onUnreachable: (thrown) => {
          const { server } = this.#options; // the page may have changed its query since
          const message = `Cannot reach the relay at ${server}`;
          if (!thrown) events.onError?.('relay-unreachable', message);
          // The browser would not even try, so the call is over. An https page may not use a ws:// relay (mixed content).
          else if (thrown.name === 'SecurityError' && /^ws:/i.test(server)) this.#end('relay-insecure', `${message}: an https page needs wss://`);
          else if (thrown.name === BLOCKED) this.#end('relay-blocked', `${message}: the page’s Content-Security-Policy (connect-src) or a content blocker stops it`);
          else this.#end('relay-unreachable', `${message}: ${thrown.message}`);
        },
        onRefused: () => {
          const message = `The relay at ${this.#options.server} refused this connection`;
          // Not in yet: nothing to keep, and retrying the same address cannot help.
          if (!this.#joined) this.#end('unauthorized', message);
          // In a call, whose media does not need the relay: keep it, and keep trying
          // (a page that gets a fresh token sets it in `server`, which is dialled at once).
          else if (!this.#refused) {
            this.#refused = true;
            events.onError?.('unauthorized', message);
          }
        },
      },
    );
  }

  get room(): string {
    return this.#options.room;
  }

  /**
   * Connects and joins at once, without waiting for the camera: held offers
   * are answered while getUserMedia (perhaps a permission prompt) is still
   * pending, and the tracks are put on every connection when they come.
   */
  start(capture: () => Promise<MediaStream | null>): void {
    this.#signaling.connect(); // First: the socket's handshake then overlaps the rest.
    if (this.closed) return; // The browser refused the relay's address outright (see onUnreachable).
    globalThis.addEventListener?.('pagehide', this.#onPageHide);
    this.#heldOffer.prepare();
    void capture().then((stream) => {
      if (this.closed || !stream) return;
      for (const track of stream.getTracks()) void this.replaceTrack(track.kind as MediaKind, track);
    });
  }

  /**
   * A page that goes for good (closed, or left for another) says so: its
   * socket then closes with 1001, which the relay takes for `lost`, as
   * Chromium sends the same for a page it freezes (a locked phone, a
   * background tab), whose call goes on when it resumes.
   */
  readonly #onPageHide = (event: PageTransitionEvent): void => {
    if (!event.persisted && this.#joined) this.#send({ type: 'leave' });
  };

  /** Leaves the room and closes every connection. The session is done. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.#resolveWelcomed();
    globalThis.removeEventListener?.('pagehide', this.#onPageHide);
    if (this.#joined) this.#send({ type: 'leave' });
    this.#signaling.close();
    for (const negotiator of this.#negotiators.values()) negotiator.close();
    this.#heldOffer.close();
    this.#negotiators.clear();
    this.peers.clear();
    this.unreachable.clear(); // (their messages, too, are no longer this call's)
    this.#retries.clear();
    this.#lostByRelay.clear();
    this.#droppedFingerprints.clear();
  }

  /**
   * Keeps the call going with a new address for the same relay (a fresh
   * token in its query), used from the next reconnection, a new ICE
   * configuration, used by every connection made or repaired from now on,
   * and a new maxPeers, said at the next join.
   */
  reconfigure({ server, rtcConfig, maxPeers }: Pick<RoomSessionOptions, 'server' | 'rtcConfig' | 'maxPeers'>): void {
    if (server !== this.#options.server) this.#refused = false; // a new address refused is news
    const iceChanged = JSON.stringify(rtcConfig) !== JSON.stringify(this.#options.rtcConfig);
    this.#options = { ...this.#options, server, rtcConfig, maxPeers };
    this.#signaling.url = server;
    if (iceChanged) this.#reconfigureConnections();
  }

  /**
   * New ICE servers (the page's, or the relay's fresh TURN credentials): for
   * every connection from now on, and for repairs of those there are. What
   * was gathered with the old ones is of no use to the held offer, nor to
   * someone given up on perhaps for want of them: both are made anew.
   */
  #reconfigureConnections(): void {
    const config = this.#rtcConfig;
    for (const negotiator of this.#negotiators.values()) negotiator.reconfigure(config);
    this.#heldOffer.refresh();
    for (const id of this.unreachable.keys()) this.#retries.now(id);
  }

  /** The connections that carry my media, or will: one per peer, and the held offer's (not the spare). */
  #sending(): PeerNegotiator[] {
    const held = this.#heldOffer.negotiator;
    return held ? [...this.#negotiators.values(), held] : [...this.#negotiators.values()];
  }

  /** Publishes a change of my media state to the room. */
  setStatus(status: PeerStatus): void {
    this.#status = { ...this.#status, ...status };
    if (this.#joined) this.#send({ type: 'status', status });
  }

  /** Sends another track (or none) for one kind to every peer, without renegotiation. */
  async replaceTrack(kind: MediaKind, track: MediaStreamTrack | null): Promise<void> {
    this.#outgoing.tracks[kind] = track; // Connections made later send it too.
    await Promise.all(this.#sending().map((n) => n.replaceTrack(kind, track)));
  }

  /**
   * What the page's drawing can wait for, if anything: the relay's `welcome`
   * (with the offers held for me), then every offer or answer being applied.
   * These are the critical path to the first frame, and drawing a new tile
   * (a video element, style, layout) takes the main thread for 10–20 ms on
   * a small machine, right when they need it (bench/).
   */
  busy(): Promise<unknown> | undefined {
    const steps = [this.#welcomed, ...[...this.#negotiators.values()].map((n) => n.busy)].filter(Boolean);
    return steps.length ? Promise.all(steps) : undefined;
  }

  /** Every live connection by peer id (stats, speaking detection). */
  connections(): [string, RTCPeerConnection][] {
    return [...this.#negotiators].map(([peer, negotiator]) => [peer, negotiator.pc]);
  }

  /** The connection to one peer, for stats and tests. */
  connectionTo(peer: string): RTCPeerConnection | undefined {
    return this.#negotiators.get(peer)?.pc;
  }

  /** What (re)joining says; the transport sends it on every connection. */
  #joinMessage(): JoinMessage {
    this.#joinAskedAt = performance.now();
    const { room, peerId, secret, maxPeers } = this.#options;
    const status = (this.#joinedWith = this.#status);
    return { type: 'join', room, peer: peerId, secret, name: status.name, maxPeers, status };
  }

  #handle(message: ServerMessage): void {
    if (this.closed) return;
    switch (message.type) {
      case 'ice-servers':
        return this.#onIceServers(message.iceServers);
      case 'welcome':
        return this.#onWelcome(message);
      case 'peer-joined':
        return this.#onPeerJoined(message);
      case 'peer-left':
        return this.#peerLeft(message.peer, message.reason);
      case 'description':
        return this.#onDescription(message);
      case 'candidate':
        return void this.#negotiators.get(message.from)?.handleCandidate(message.candidate);
      case 'status':
        return this.#onStatus(message);
      case 'error':
        return this.#onError(message);
    }
  }

  #onIceServers(given: unknown): void {
    // A relay's mistake must not break the call: only servers the browser takes.
    this.#relayIceServers = Array.isArray(given) ? given.filter(browserTakes) : [];
    this.#reconfigureConnections();
  }

  #onWelcome(message: Relayed<'welcome'>): void {
    const afresh = this.#joined ? this.#dropSettingUp() : [];
    this.#joined = true;
    this.#refused = false;
    this.waitingForPlace = false;
    // Answer first: the browser works on the offers while the page redraws for the new peers.
    for (const offer of message.offers) if (!afresh.includes(offer.from)) this.#answerHeldOffer(offer);
    if (this.#status !== this.#joinedWith) this.#send({ type: 'status', status: this.#status });
    this.#resolveWelcomed(); // After the answers are under way, so busy() sees them.
    // Joined first, then who is here: a page that starts its list afresh at `p2p-joined` keeps them.
    this.#events.onJoined?.(message.room, message.peer);
    const directOfferWait = DIRECT_OFFER_WAIT_MS + (performance.now() - this.#joinAskedAt);
    for (const info of message.peers) {
      this.#addPeer(info);
      this.#connectAnewUnlessWorking(info.peer);
      if (afresh.includes(info.peer)) this.#offerAfresh(info.peer);
      else if (!this.#negotiators.has(info.peer)) setTimeout(() => this.#offerUnlessOffered(info.peer), directOfferWait);
    }
    // Back after a drop: whoever left meanwhile gets no peer-left, so the welcome's list says it (or
    // the relay restarted and they are still to come back: those whose media flows are kept).
    for (const id of [...this.peers.keys(), ...this.unreachable.keys()])
      if (!message.peers.some((info) => info.peer === id)) this.#peerLeft(id, 'lost');
    this.#heldOffer.renew();
  }

  #onPeerJoined(message: Relayed<'peer-joined'>): void {
    this.#addPeer(message);
    const held = this.#heldOffer.claim(message.offerId);
    if (held) {
      this.#adoptHeldOffer(message.peer, held);
    } else if (this.unreachable.has(message.peer)) {
      this.#retries.now(message.peer); // given up on, and back: whatever failed may be over
    } else if (!this.#negotiators.has(message.peer) || this.#settingUp(message.peer)) {
      // My held offer was not at the relay in time: offer directly instead. Or they are back on a
      // new socket while our connection was being set up, and dropped it (see #offerAfresh).
      this.#connect(message.peer, true);
    }
  }

  #onDescription(message: Relayed<'description'>): void {
    const current = this.#negotiators.get(message.from);
    // An offer from a new connection of theirs replaces mine (see onSilentAfterRepair).
    const negotiator =
      current && !current.isFromAnotherConnection(message.description)
        ? current
        : message.description.type === 'offer'
          ? this.#connect(message.from, false)
          : undefined;
    void negotiator?.handleDescription(message.description);
  }

  #onStatus(message: Relayed<'status'>): void {
    const peer = this.#known(message.from);
    if (!peer) return;
    peer.status = { ...peer.status, ...message.status };
    if (message.status.name !== undefined) peer.name = message.status.name || undefined;
    // Kept for when they are back; their name is on the status line meanwhile.
    if (this.peers.has(peer.id)) this.#events.onStatus?.(peer.id, peer.status);
    this.#events.onChange?.();
  }

  #onError(message: Relayed<'error'>): void {
    // A refused join (a full room, my id taken, a room name too long) ends the call: the same
    // join would be refused again. The others (unknown-peer, unknown-offer…) are races with
    // someone leaving mid-handshake: worth a console line for developers, not a message to the user.
    if (message.ref !== 'join') {
      console.warn(`p2p-call: relay said ${message.code}: ${message.message}`);
      return;
    }
    if (message.code === 'room-full' && this.#placeTaken()) {
      this.waitingForPlace = true;
      this.#events.onWaitingForPlace?.();
      return this.#signaling.retryLater();
    }
    this.#end(message.code, message.message);
  }

  /** The call is over without me (the relay ended my membership, or the browser refused its address): says why, closes, and tells the owner. */
  #end(code: SessionErrorCode, message: string): void {
    this.#events.onError?.(code, message);
    this.close();
    this.#events.onEnded?.();
  }

  /** Someone in the room, as the relay says (welcome, peer-joined). */
  #addPeer(info: PeerInfo): void {
    this.#lostByRelay.back(info.peer);
    // The status's name is the latest (join.name is kept as joined); '' is no name.
    const name = (info.status.name ?? info.name) || undefined;
    const givenUp = this.unreachable.get(info.peer);
    if (givenUp) {
      // Given up on they stay until a connection to them comes up (a try under way puts its stream here).
      Object.assign(givenUp, { name, status: info.status });
      this.#events.onChange?.(); // (the status line names them)
      return;
    }
    const known = this.peers.get(info.peer);
    if (known) {
      // Back after a relay drop: what they switched meanwhile (their status then was lost) is news.
      if (known.name === name && sameStatus(known.status, info.status)) return;
      Object.assign(known, { name, status: info.status });
      this.#events.onStatus?.(known.id, known.status);
      this.#events.onChange?.();
      return;
    }
    const peer: RemotePeer = {
      id: info.peer,
      name,
      status: info.status,
      connectionState: 'new',
      wasConnected: false,
    };
    this.peers.set(peer.id, peer);
    this.#events.onPeerJoined?.(peer);
    this.#events.onChange?.();
  }

  #removePeer(id: string, reason: PeerLeftReason, turnError?: string): void {
    this.#lostByRelay.back(id);
    this.#dropConnection(id);
    // They closed their end and said so: nothing stale can come from it now.
    if (reason === 'left') this.#droppedFingerprints.delete(id);
    const peer = this.peers.get(id);
    if (!peer) return;
    this.peers.delete(id);
    if (givenUp(reason)) {
      // Their stream ended with the connection; a try that comes up brings a new one.
      Object.assign(peer, { stream: undefined, connectionState: 'new' });
      this.unreachable.set(id, peer);
      this.#retries.schedule(id);
    }
    this.#heldOffer.holdIfSettled();
    this.#events.onPeerLeft?.(peer, reason, turnError);
    this.#events.onChange?.();
  }

  /** Someone is no longer in the room as the relay sees it; `lost`: they did not say goodbye, so they may be back. */
  #peerLeft(id: string, how: PeerLeftHow | undefined): void {
    if (how === 'lost' && this.unreachable.has(id)) return this.#forgetUnlessBack(id);
    if (this.unreachable.delete(id)) this.#events.onChange?.();
    if (how === 'lost' && this.#negotiators.get(id)?.pc.connectionState === 'connected') this.#keepWhileHeard(id);
    else this.#removePeer(id, how ?? 'left');
  }

  /**
   * Someone given up on whom the relay lost, or whom a restarted relay has
   * not seen again yet: most likely reconnecting, as everyone does after a
   * restart. They stay given up on (tried at once when back, with their
   * peer-joined) for a while (LostByRelay).
   */
  #forgetUnlessBack(id: string): void {
    this.#lostByRelay.forgetUnlessBack(id, () => {
      if (!this.unreachable.delete(id)) return; // gone meanwhile
      this.#dropConnection(id);
      this.#droppedFingerprints.delete(id);
      this.#events.onChange?.();
    });
  }

  /**
   * Someone the relay lost while my connection to them is up: their media
   * most likely still flows while they reconnect to the relay. They stay
   * while something arrives every LOST_CHECK_MS, and go as `lost` the moment
   * the connection falls silent (or drops: onConnectionState).
   */
  #keepWhileHeard(peer: string): void {
    const negotiator = this.#negotiators.get(peer)!;
    const current = () => this.#negotiators.get(peer) === negotiator;
    const heard = async () => {
      if (!current()) return undefined;
      const window = this.#sendsNoMedia(peer) ? QUIET_CALL_MS : LOST_CHECK_MS;
      const answer = await heardWithin(negotiator.pc, window).catch(() => undefined); // closed meanwhile: not judged
      return current() ? answer : undefined;
    };
    this.#lostByRelay.keepWhileHeard(peer, heard, () => this.#removePeer(peer, 'lost'));
  }

  /**
   * Back on the relay, my connections still being set up are dropped, and
   * the ids they went to returned. What either side said for them since (an
   * answer, candidates) may have been lost with my old socket, and each side
   * would then wait for the other until its give-up, 15 s later.
   */
  #dropSettingUp(): string[] {
    const dropped = [...this.#negotiators.keys()].filter((id) => this.#settingUp(id));
    for (const id of dropped) this.#dropConnection(id);
    return dropped;
  }

  /**
   * A new connection in place of one dropped by #dropSettingUp, offered by
   * me at once: not by answering their held offer, nor by waiting for their
   * offer. Their end may have come up just before mine would have (DTLS
   * ends half a round trip apart), in which case they keep it, close any
   * offer held for me, and offer nothing: only an offer from a new
   * connection of mine reaches them (isFromAnotherConnection). If theirs
   * had not come up either, they start anew too (#onPeerJoined), and the
   * two cross as first offers do.
   */
  #offerAfresh(id: string): void {
    if (this.unreachable.has(id)) this.#retries.now(id);
    else this.#connect(id, true);
  }

  /** A connection to them is being set up: it has never been up. */
  #settingUp(id: string): boolean {
    const negotiator = this.#negotiators.get(id);
    return !!negotiator && !negotiator.wasConnected && negotiator.pc.connectionState !== 'connected';
  }

  /** A retry was given up on too: quietly, as they are still shown as unreachable. */
  #retryFailed(id: string): void {
    this.#dropConnection(id);
    this.#retries.failed(id);
  }

  #dropConnection(id: string): void {
    const old = this.#negotiators.get(id);
    const fingerprint = old?.remoteFingerprint ?? old?.replacing;
    // A copy: read from the SDP, it is a slice that would keep the whole SDP alive.
    if (fingerprint) this.#droppedFingerprints.set(id, structuredClone(fingerprint));
    old?.close();
    this.#negotiators.delete(id);
  }

  /**
   * Whether someone says they send neither sound nor picture (muted, which
   * still sends silence, counts too): then only RTCP or ICE consent checks
   * come from them, further apart (QUIET_CALL_MS).
   */
  #sendsNoMedia(id: string): boolean {
    const status = this.#known(id)?.status;
    return !status?.audio && !status?.video && !status?.screen;
  }

  /** Someone in the room, connected or given up on. */
  #known(id: string): RemotePeer | undefined {
    return this.peers.get(id) ?? this.unreachable.get(id);
  }

  /** Whether the relay can take an offer to them now: not while it cannot reach one of us. */
  #canOffer(id: string): boolean {
    return this.#signaling.state === 'open' && !this.#lostByRelay.has(id);
  }

  /** A connection to someone given up on came up: they are in the call again, as if they had just joined. */
  #reachableAgain(peer: RemotePeer): void {
    this.#retries.cancel(peer.id);
    this.unreachable.delete(peer.id);
    this.peers.set(peer.id, peer);
    this.#events.onPeerJoined?.(peer);
    if (peer.stream) this.#events.onRemoteStream?.(peer.id, peer.stream);
  }

  /**
   * Back on the relay, I find a connection that was up no longer working:
   * down (being repaired), or up with nothing arriving (they let it go while
   * the path between us was down). The network that took it may have taken
   * my relay socket too, and with it what either of us said to repair it, an
   * ICE restart's offer or its answer. A connection waiting for an answer
   * makes no new offer, so the call would be given up. A new connection,
   * which they take in place of theirs or of the held offer I did not answer
   * (see isFromAnotherConnection), depends on none of it. Only the one back
   * does this (their side hears nothing of a quick reconnection).
   */
  #connectAnewUnlessWorking(id: string): void {
    const negotiator = this.#negotiators.get(id);
    if (!negotiator?.wasConnected) return;
    void negotiator
      .isWorking(this.#sendsNoMedia(id))
      .catch(() => true) // closed meanwhile: replaced, or they are gone
      .then((working) => {
        // Not if the relay has lost them meanwhile: that connection is kept while it brings anything (#keepWhileHeard).
        const still = this.#negotiators.get(id) === negotiator && this.peers.has(id) && !this.#lostByRelay.has(id);
        if (!working && still) this.#connect(id, true);
      });
  }

  /** Offers to someone still here with whom no connection was started since my welcome (see DIRECT_OFFER_WAIT_MS). */
  #offerUnlessOffered(id: string): void {
    if (!this.closed && this.peers.has(id) && !this.#negotiators.has(id) && this.#canOffer(id)) this.#connect(id, true);
  }

  /**
   * Back after the relay lost me (it restarted, say), I find the room full: a
   * newcomer took my place, as a relay that forgot us cannot know whose it
   * was, if I am still in a call that my own maxPeers allows. That call,
   * whose media does not need the relay, goes on, and the join is tried
   * again with the backoff until someone leaves.
   */
  #placeTaken(): boolean {
    const inCall = [...this.#negotiators.values()].filter((negotiator) => negotiator.pc.connectionState === 'connected').length;
    return this.#joined && inCall > 0 && inCall + 1 <= (this.#options.maxPeers ?? Infinity);
  }

  /** A connection that was up and is not `failed` or `closed` (it may be being repaired) is kept across relay restarts and re-joins. */
  #keptOnRejoin(peer: string): boolean {
    const state = this.#negotiators.get(peer)?.pc.connectionState;
    return !this.#settingUp(peer) && state !== undefined && state !== 'failed' && state !== 'closed';
  }

  /**
   * Answers an offer that waited at the relay for me: no round trip needed.
   * Back on the relay, not one from someone I still have a connection to
   * (one that was up; one still being set up I replace: #offerAfresh): it
   * is kept, or replaced by one I offer (see connectAnewUnlessWorking), whose
   * candidates are gathered now, not before whatever broke the path. Were I
   * to answer, they might have kept their end of our call and dropped this
   * offer.
   */
  #answerHeldOffer({ from, sdp, candidates }: DeliveredOffer): void {
    if (this.#negotiators.has(from)) return;
    const negotiator = this.#connect(from, false);
    // Candidates first: buffered, they are applied right after the answer is
    // sent, so ICE checks can start as soon as the other side has it.
    for (const candidate of candidates) void negotiator.handleCandidate(candidate);
    void negotiator.handleDescription({ type: 'offer', sdp });
  }

  /** The newcomer took my held offer: it becomes my connection to them. */
  #adoptHeldOffer(peer: string, { route, negotiator }: Connection): void {
    if (this.#keptOnRejoin(peer)) {
      negotiator.close(); // Already connected (a re-join after a relay restart).
    } else {
      route.to = peer;
      this.#install(peer, negotiator);
    }
    this.#heldOffer.renew();
  }

  /** No connection is being set up: the next held offer would compete with none (see HeldOffer.renew). */
  #settled(): boolean {
    for (const [peer, negotiator] of this.#negotiators) {
      const state = negotiator.pc.connectionState;
      // A retry of someone given up on may take its whole 15 s: no reason to keep newcomers waiting.
      if ((state === 'new' || state === 'connecting') && !this.unreachable.has(peer)) return false;
    }
    return true;
  }

  /** A new connection to a known peer, replacing any old one (what still comes from theirs is then stale); `offering` if I start. */
  #connect(peer: string, offering: boolean): PeerNegotiator {
    const { negotiator } = this.#heldOffer.take({ to: peer });
    if (offering) negotiator.startOffering();
    this.#install(peer, negotiator);
    return negotiator;
  }

  /** My connection to a peer from now on, in place of any old one, from whose other end anything still coming is stale. */
  #install(peer: string, negotiator: PeerNegotiator): void {
    this.#dropConnection(peer);
    negotiator.replacing = this.#droppedFingerprints.get(peer);
    this.#register(peer, negotiator);
  }

  #register(peer: string, negotiator: PeerNegotiator): void {
    negotiator.polite = this.#polite(peer);
    this.#negotiators.set(peer, negotiator);
    negotiator.expectConnection();
    setTimeout(() => {
      if (this.#negotiators.get(peer) === negotiator && this.#settingUp(peer)) this.#signaling.probe();
    }, SETUP_PROBE_MS);
  }

  /** Any fixed rule works, as long as the two sides of a pair disagree. */
  #polite(peer: string): boolean {
    return this.#options.peerId < peer;
  }

  /** The page's configuration, with the relay's STUN/TURN servers added to its own. */
  get #rtcConfig(): RTCConfiguration {
    const own = this.#options.rtcConfig;
    return { ...own, iceServers: [...(own.iceServers ?? []), ...this.#relayIceServers] };
  }

  #createNegotiator(route: Route): PeerNegotiator {
    const negotiator: PeerNegotiator = new PeerNegotiator(
      {
        signal: (signal) => this.#sendSignal(route, signal),
        onRemoteStream: (stream) => {
          const peer = route.to && this.#known(route.to);
          if (!peer) return;
          peer.stream = stream;
          if (!this.peers.has(peer.id)) return; // said when they are reachable again
          this.#events.onRemoteStream?.(peer.id, stream);
          this.#events.onChange?.();
        },
        onConnectionState: (state) => {
          this.#heldOffer.holdIfSettled();
          const peer = route.to && this.#known(route.to);
          if (!peer || this.#negotiators.get(peer.id) !== negotiator) return;
          const recovered = state === 'connected' && peer.wasConnected && peer.connectionState !== 'connected';
          peer.connectionState = state;
          if (this.unreachable.has(peer.id)) {
            if (state !== 'connected') return; // a retry's ups and downs are no news
            this.#reachableAgain(peer);
          }
          peer.wasConnected ||= state === 'connected';
          // Whatever broke this connection (a TURN server gone, a network changed) may have taken
          // the held offer's candidates too: a newcomer would take an offer that cannot connect.
          if (recovered) this.#heldOffer.renew();
          this.#events.onConnectionState?.(peer.id, state);
          this.#events.onChange?.();
          if (state !== 'connected' && this.#lostByRelay.has(peer.id)) this.#removePeer(peer.id, 'lost');
        },
        onGiveUp: () => {
          if (!route.to || this.#negotiators.get(route.to) !== negotiator) return;
          if (this.unreachable.has(route.to)) return this.#retryFailed(route.to);
          const reason = this.peers.get(route.to)?.wasConnected ? 'failed' : negotiator.pc.remoteDescription ? 'unreachable' : 'unanswered';
          this.#removePeer(route.to, reason, negotiator.turnError);
        },
        onSilentAfterRepair: () => {
          if (route.to && this.#negotiators.get(route.to) === negotiator) this.#connect(route.to, true);
        },
      },
      { rtcConfig: this.#rtcConfig, outgoing: this.#outgoing },
    );
    return negotiator;
  }

  #sendSignal(route: Route, signal: OutgoingSignal): void {
    if ('candidate' in signal) {
      const { candidate } = signal;
      this.#send(
        route.to ? { type: 'candidate', to: route.to, candidate } : { type: 'candidate', offerId: route.offerId, candidate },
      );
    } else if (route.to) {
      this.#send({ type: 'description', to: route.to, description: signal.description });
    } else if (signal.description.type === 'offer' && signal.description.sdp) {
      this.#send({ type: 'offer', offerId: route.offerId!, sdp: signal.description.sdp });
    }
  }

  #send(message: ClientMessage): void {
    this.#signaling.send(message);
  }
}

/** Whether the browser can use an ICE server the relay gave: one it refuses would make every connection of the call throw. */
function browserTakes(server: RTCIceServer | null | undefined): server is RTCIceServer {
  if (!server?.urls) return false;
  const refusal = iceServersRefusal([server]);
  if (refusal) console.warn('p2p-call: left out an ICE server from the relay that this browser refuses:', server.urls, refusal);
  return !refusal;
}
