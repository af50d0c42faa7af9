import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { PeerStatus } from '../protocol/messages.js';
import { givenUp, RoomSession, type RoomSessionOptions } from '../room/room-session.js';
import type { SignalingState } from '../signaling/signaling-client.js';
import { emit, type P2PErrorCode } from '../p2p-call/events.js';
import type { MediaController } from './media-controller.js';

const MAX_DRAW_DELAY_MS = 100;

/** Problems of the connection to the relay: over once it lets me (back) in. */
const RELAY_ERRORS: P2PErrorCode[] = ['relay-unreachable', 'unauthorized'];

/**
 * What makes a call another one: all of a wish but the relay address's query,
 * the ICE configuration and maxPeers (which the relay checks only at a join).
 */
function callKey({ server, rtcConfig: _, maxPeers: __, ...rest }: CallWish): string {
  const { origin, pathname } = new URL(server);
  return JSON.stringify({ ...rest, relay: origin + pathname });
}

/**
 * The call the host wants right now; `null` means no call. What it captures
 * is not part of it: switching a camera or microphone off or on is done on
 * the running call, so nobody sees me leave and come back.
 */
export type CallWish = Omit<RoomSessionOptions, 'status'>;

export interface RoomHost extends ReactiveControllerHost, HTMLElement {
  callWish(): CallWish | null;
  localStatus(): PeerStatus;
  /** Shows a problem inside the element and fires `p2p-error`. */
  reportError(code: P2PErrorCode, values?: Record<string, string>): void;
  /** Takes a new peer id and secret: the relay gave mine to someone else (peer-taken). */
  renewIdentity(): void;
  /** Forgets the problems of the call that ended (media errors are re-reported on capture), or only those named. */
  clearCallErrors(codes?: readonly P2PErrorCode[]): void;
}

/**
 * Keeps a RoomSession in step with the host's attributes: a change of room
 * or relay leaves the old call and joins the new one (a new query on the same
 * relay, or new ICE servers, only reconfigure it); disconnecting the host
 * leaves for good. Turns session callbacks into DOM
 * events and re-renders.
 */
export class RoomController implements ReactiveController {
  session?: RoomSession;
  signalingState: SignalingState = 'closed';
  joined = false;
  #wishKey = '';
  /** The running call's callKey(). */
  #callKey = '';
  /** Lit keeps updating a detached element; a detached element must not call. */
  #connected = false;
  #statusKey = '';
  /** The next call is under a new id, because mine was taken (see #renew). */
  #renewing = false;

  readonly #host: RoomHost;
  readonly #media: MediaController;

  constructor(host: RoomHost, media: MediaController) {
    this.#host = host;
    this.#media = media;
    host.addController(this);
  }

  /**
   * Joins at once, not at the first update: the socket's handshake and the
   * camera's start then overlap the first drawing. Also runs when the host
   * comes back after a removal (a move within one task never reaches here:
   * see P2PCallElement.connectedCallback).
   */
  hostConnected(): void {
    this.#connected = true;
    this.#followWish();
  }

  /** Before render, so what the session reports right away is drawn in this same update. */
  hostUpdate(): void {
    this.#followWish();
    const status = this.#host.localStatus();
    const statusKey = JSON.stringify(status);
    if (statusKey !== this.#statusKey) {
      this.#statusKey = statusKey;
      this.session?.setStatus(status);
    }
  }

  /**
   * Resolves when the host may draw: once the session is not applying an
   * offer or answer (RoomSession.busy), or after at most 100 ms, so a slow
   * relay never hides the element or a click's effect for longer than the
   * delay people perceive as instant.
   */
  async drawable(): Promise<void> {
    const deadline = performance.now() + MAX_DRAW_DELAY_MS;
    for (let busy = this.session?.busy(); busy; busy = this.session?.busy()) {
      const left = deadline - performance.now();
      if (left <= 0) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([busy, new Promise((resolve) => (timer = setTimeout(resolve, left)))]);
      clearTimeout(timer);
    }
  }

  /**
   * Starts, restarts or stops the call to match what the host wants now. A
   * new query on the same relay's address (a fresh token), new ICE servers or
   * a new maxPeers keep a running call: restarting it would drop everyone's
   * media for what only the next reconnection, connection or join needs.
   */
  #followWish(): void {
    const wish = this.#connected ? this.#host.callWish() : null;
    const key = wish ? JSON.stringify(wish) : '';
    if (key === this.#wishKey) return;
    const call = wish ? callKey(wish) : '';
    const sameCall = this.inCall && call === this.#callKey;
    this.#wishKey = key;
    this.#callKey = call;
    if (sameCall) return this.session!.reconfigure(wish!);
    this.#stop();
    this.#host.clearCallErrors();
    // A share was for the people of the call it began in, not those of the next room.
    this.#media.endScreenShare();
    if (wish) this.#start(wish);
    else this.#media.stop(); // No call, no camera light.
  }

  /** Whether `wish` is the call under way (another relay address with the same relay, ICE servers or maxPeers still are). */
  runs(wish: CallWish): boolean {
    return this.inCall && callKey(wish) === this.#callKey;
  }

  /** True in a call; false before one, after leaving, or once the relay ended it (see retry). */
  get inCall(): boolean {
    return !!this.session && !this.session.closed;
  }

  /** Joins again after the relay ended the call (the room was full, say); nothing else changes the wish. */
  retry(): void {
    if (!this.session?.closed) return;
    this.#wishKey = '';
    this.#host.requestUpdate();
  }

  hostDisconnected(): void {
    this.#connected = false;
    this.#wishKey = '';
    this.#stop();
  }

  #start(wish: CallWish): void {
    const host = this.#host;
    /** Under a new id because mine was taken, and not let in since: taken again, it is not asked for forever. */
    let renewal = this.#renewing;
    this.#renewing = false;
    /** The relay gave my id to someone else: this call ends, and one under a new id begins. */
    let taken = false;
    const session: RoomSession = new RoomSession(
      { ...wish, status: host.localStatus() },
      {
        onJoined: (room, peer) => {
          this.joined = true;
          renewal = false;
          host.clearCallErrors(RELAY_ERRORS);
          emit(host, 'p2p-joined', { room, peer });
          host.requestUpdate();
        },
        onPeerJoined: ({ id, name }) => emit(host, 'p2p-peer-joined', { peer: id, name }),
        onPeerLeft: ({ id, name }, reason, turnError) => {
          emit(host, 'p2p-peer-left', { peer: id, name, reason });
          if (givenUp(reason)) host.reportError(`peer-${reason}`);
          if (turnError) host.reportError('turn-failed', { detail: turnError });
        },
        onRemoteStream: (peer, stream) => emit(host, 'p2p-remote-stream', { peer, stream }),
        onConnectionState: (peer, state) => emit(host, 'p2p-connection-state', { peer, state }),
        onStatus: (peer, status) => emit(host, 'p2p-peer-status', { peer, status }),
        onSignalingState: (state) => {
          this.signalingState = state;
          emit(host, 'p2p-signaling-state', { state });
          host.requestUpdate();
        },
        onError: (code, message) => {
          // Once: a relay that refuses every id would otherwise be asked forever.
          if (code === 'peer-taken' && !renewal) return void (taken = true);
          // Unreachable, then refused once it is back (or the other way round), or answered at all
          // (a full room, say): only the latest is true.
          host.clearCallErrors(RELAY_ERRORS);
          host.reportError(code, { server: wish.server, detail: message });
        },
        onEnded: () => {
          if (taken) return this.#renew();
          this.#leftRoom();
          this.#media.stop(); // The call is over: no camera light until a retry.
          host.requestUpdate();
        },
        onChange: () => host.requestUpdate(),
        onWaitingForPlace: () => {
          host.clearCallErrors(RELAY_ERRORS); // It answered: whatever it said before is over.
          host.requestUpdate();
        },
      },
    );
    this.session = session;
    this.#statusKey = JSON.stringify(host.localStatus());
    session.start(() =>
      this.#media.acquire().then((stream) => {
        // Capture cut short by leaving (null) is no failure to tell the page about.
        if (session.closed) return stream;
        emit(host, 'p2p-local-stream', { stream });
        if (this.#media.error) host.reportError(this.#media.error.code);
        return stream;
      }),
    );
  }

  /**
   * Joins again as somebody new. The next update sees a new wish (its peerId),
   * which ends this call for the page (p2p-left, if I was in) and starts the next;
   * the camera keeps running.
   */
  #renew(): void {
    this.#renewing = true;
    this.#host.renewIdentity();
    this.#host.requestUpdate();
  }

  #stop(): void {
    if (!this.session) return;
    this.session.close();
    this.#leftRoom();
    this.session = undefined;
    this.signalingState = 'closed';
  }

  /** Says p2p-left once for a room I was in, whether I left or the relay ended it. */
  #leftRoom(): void {
    if (this.joined) emit(this.#host, 'p2p-left', { room: this.session!.room });
    this.joined = false;
  }
}
