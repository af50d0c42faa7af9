import type { ClientMessage, JoinMessage, ServerMessage } from '../protocol/messages.js';
import { RECONNECTING, UNAUTHORIZED } from '../protocol/close-codes.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';

/**
 * `open`: let in. With a `join` (SignalingHandlers.join) that is the relay's
 * `welcome`, not the socket opening: a relay whose store is down opens every
 * socket and closes it again (1013), and a page must not be told it is back
 * each time. Without a join, the socket opening.
 */
export type SignalingState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** The name of what a WebSocket to an address the page's Content-Security-Policy (connect-src) blocks throws: Firefox's, given to Chromium's case too. */
export const BLOCKED = 'NS_ERROR_CONTENT_BLOCKED';

export interface SignalingHandlers {
  /**
   * The `join` that every connection starts with. It goes in the URL, so a
   * relay that reads it there answers during the handshake, and is sent
   * again once open, for relays that do not (docs/protocol.md).
   */
  join?(): JoinMessage;
  onMessage(message: ServerMessage): void;
  onStateChange?(state: SignalingState): void;
  /**
   * The relay could not be reached (once per outage, not once per attempt).
   * `thrown` when the browser would not even try, so no retry can help: a
   * malformed URL, a SecurityError for a ws:// relay from an https page, or
   * (named BLOCKED) an address the page's Content-Security-Policy blocks.
   */
  onUnreachable?(thrown?: Error): void;
  /**
   * The relay refused this connection (its authorize(): a token that expired,
   * say). Retrying goes on unless the owner closes; a new `url` is dialled at once.
   */
  onRefused?(): void;
}

export interface SignalingOptions {
  backoff?: BackoffOptions;
  /**
   * How often to send an application `ping`. Browsers cannot see WebSocket
   * ping frames, so without this a half-open socket (network gone, no FIN)
   * would look alive forever. Nothing heard between one ping and the next
   * means dead. A handshake gets as long: see connect().
   */
  heartbeatMs?: number;
}

/**
 * A WebSocket client that speaks the signaling protocol and keeps itself
 * connected. It knows nothing of WebRTC: it moves JSON messages, sends the
 * room layer's join on every (re)connection, and reports its state.
 */
export class SignalingClient {
  state: SignalingState = 'closed';
  #socket?: WebSocket;
  #attempt = 0;
  #retryTimer?: ReturnType<typeof setTimeout>;
  #heartbeatTimer?: ReturnType<typeof setInterval>;
  #probeTimer?: ReturnType<typeof setTimeout>;
  /** The ping whose answer the waiting probe wants. */
  #probePing = 0;
  /** A probe was asked for while the socket was still opening: it is sent once it opens. */
  #probeOnOpen = false;
  #openTimer?: ReturnType<typeof setTimeout>;
  /** Messages received so far: any message is a sign of life, not only a pong. */
  #received = 0;
  /**
   * Pings sent on this socket, and answers to them received: replies come in
   * the order of the frames they answer, so the nth answer is the nth ping's.
   * A ping over the rate limit is answered by a `rate-limited` error instead.
   */
  #pings = 0;
  #pingAnswers = 0;
  #reportedUnreachable = false;
  /**
   * A new url was dialled ahead of the backoff since the last retry or
   * welcome. A page that answers every refusal with a fresh token (as the
   * README shows) would otherwise dial a relay that refuses them all as fast
   * as it can fetch tokens; now the next new url waits for the next retry.
   */
  #dialledEarly = false;
  readonly #backoff: BackoffOptions;
  readonly #heartbeatMs: number;

  readonly #handlers: SignalingHandlers;

  #url: string;

  constructor(url: string, handlers: SignalingHandlers, { backoff = DEFAULT_BACKOFF, heartbeatMs = 10_000 }: SignalingOptions = {}) {
    this.#url = url;
    this.#handlers = handlers;
    this.#backoff = backoff;
    this.#heartbeatMs = heartbeatMs;
  }

  get url(): string {
    return this.#url;
  }

  /**
   * Where the next connection goes: a page may change its query (a fresh
   * token) during a call. Not let in yet, it is dialled at once (once per
   * retry, see #dialledEarly): the wait was for a relay that refused the old
   * address or could not be reached, and an attempt still in flight with the
   * old address is likely to be refused too (then it would wait a whole
   * backoff before the new address was tried).
   */
  set url(url: string) {
    if (url === this.#url) return; // (the page changed something else, its ICE servers say)
    this.#url = url;
    if (this.state === 'open' || this.state === 'closed' || this.#dialledEarly) return;
    this.#dialledEarly = true;
    this.#abandon(RECONNECTING, 'superseded'); // a relay that let it in must not say I left
    this.#dialNow();
  }

  connect(): void {
    if (this.#socket) return;
    // For as long as it keeps itself connected; see #onWake.
    globalThis.addEventListener?.('online', this.#onWake);
    globalThis.document?.addEventListener('visibilitychange', this.#onWake);
    this.#setState(this.#attempt === 0 ? 'connecting' : 'reconnecting');
    const join = this.#handlers.join?.();
    let socket: WebSocket | undefined;
    let thrown: unknown;
    try {
      socket = new WebSocket(join ? withJoin(this.#url, join) : this.#url);
    } catch (error) {
      thrown = error;
    }
    // Chromium does not throw for an address the page's Content-Security-Policy blocks: the
    // socket is closed at birth, and never fires `close` (without this, 10 s of "Connecting…").
    if (socket?.readyState === WebSocket.CLOSED) thrown = new DOMException('blocked by the page or the browser', BLOCKED);
    if (thrown || !socket) {
      // What will never work (see onUnreachable): say so once and stop.
      this.#handlers.onUnreachable?.(thrown as Error);
      this.#setState('closed');
      return;
    }
    this.#socket = socket;
    this.#pings = this.#pingAnswers = 0;
    this.#probeOnOpen = false;
    let opened = false;
    // A server that takes the connection and never answers the handshake (a web
    // server with no relay at that address, a port that is something else) would
    // leave the socket connecting for as long as the browser likes: minutes, with
    // "Connecting…" on screen and nothing said. Given up on, it is unreachable.
    this.#openTimer = setTimeout(() => {
      socket.onclose = null;
      socket.close();
      this.#dropped(socket, false);
    }, this.#heartbeatMs);
    socket.onopen = () => {
      clearTimeout(this.#openTimer);
      opened = true;
      this.#reportedUnreachable = false;
      this.#startHeartbeat(socket);
      if (join) this.send(join);
      else this.#setState('open');
      if (this.#probeOnOpen) this.probe();
    };
    socket.onmessage = (event) => {
      this.#received++;
      let message: ServerMessage;
      try {
        message = JSON.parse(String(event.data)) as ServerMessage;
      } catch {
        return; // Not ours to crash on: a relay bug must not take the call down.
      }
      if (message.type === 'pong' || (message.type === 'error' && message.code === 'rate-limited')) {
        // (A rate-limited frame that was not a ping may pass for a ping's answer: still a live relay's.)
        this.#pingAnswers = Math.min(this.#pingAnswers + 1, this.#pings);
        // Answered: a probe asked from now on (the socket may die after this pong) asks anew.
        if (this.#pingAnswers >= this.#probePing) this.#stopProbe();
      }
      // The backoff starts over once the relay has let me in, not when a socket opens or
      // says anything: a relay whose store is down opens every socket, may send its
      // ice-servers (--turn), and closes it (1013); clients that started over at that
      // would come back four times a second for as long.
      if (message.type === 'welcome') {
        this.#attempt = 0;
        this.#dialledEarly = false;
        this.#setState('open');
      }
      if (message.type !== 'pong') this.#handlers.onMessage(message);
    };
    // A 4001 (replaced) is a drop like any other: only a join with my peer id
    // and my secret takes my place, and nobody else has them, so it was a
    // connection of mine that I gave up on (its handshake stalled) but that
    // reached the relay late. Reconnecting takes my place back.
    socket.onclose = ({ code }) => {
      // First, so that an owner who gives up closes before a retry is planned.
      if (code === UNAUTHORIZED) this.#handlers.onRefused?.();
      this.#dropped(socket, opened);
    };
  }

  #ping(): boolean {
    const sent = this.send({ type: 'ping' });
    if (sent) this.#pings++;
    return sent;
  }

  /** Sends if connected; returns false when the message could not be sent. */
  send(message: ClientMessage): boolean {
    if (this.#socket?.readyState !== WebSocket.OPEN) return false;
    this.#socket.send(JSON.stringify(message));
    return true;
  }

  close(): void {
    clearTimeout(this.#retryTimer);
    globalThis.removeEventListener?.('online', this.#onWake);
    globalThis.document?.removeEventListener('visibilitychange', this.#onWake);
    this.#abandon(1000);
    this.#attempt = 0;
    this.#setState('closed');
  }

  /** Closes the socket, if any, without treating it as a drop. */
  #abandon(code: number, reason?: string): void {
    clearTimeout(this.#openTimer);
    this.#stopHeartbeat();
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) {
      socket.onclose = null;
      socket.close(code, reason);
    }
  }

  /** The retry that was waiting for its backoff, now. */
  #dialNow(): void {
    clearTimeout(this.#retryTimer);
    this.connect();
  }

  #dropped(socket: WebSocket, wasOpen: boolean): void {
    if (this.#socket !== socket) return;
    clearTimeout(this.#openTimer);
    this.#socket = undefined;
    this.#stopHeartbeat();
    if (!wasOpen && !this.#reportedUnreachable) {
      this.#reportedUnreachable = true;
      this.#handlers.onUnreachable?.();
    }
    this.#setState('reconnecting');
    this.#retryTimer = setTimeout(() => {
      this.#dialledEarly = false;
      this.connect();
    }, backoffDelay(this.#attempt++, this.#backoff));
  }

  /**
   * Drops this socket and connects again after the backoff: the relay let
   * it in but will not have my join for now (see RoomSession, room-full).
   * A drop like any other, so the others hear I am `lost`, not gone.
   */
  retryLater(): void {
    if (this.#socket) this.#reconnect(this.#socket, 'join refused for now');
  }

  /**
   * Asks the relay for an answer now, and reconnects if none comes within
   * half a heartbeat. For when the socket may have died without a word while
   * nobody was looking (a laptop asleep, the network changed): the heartbeat
   * alone would take up to two intervals to notice. A live socket costs one
   * ping; a wrong verdict costs a re-join, which keeps working calls.
   * Only the answer to this ping will do: a frame the relay sent before the
   * link died can arrive after it (a peer's candidate, an earlier pong) and
   * would keep a dead socket for two more heartbeats.
   */
  probe(): void {
    const socket = this.#socket;
    // One at a time: asked again meanwhile (`online`, then a connection slow to come up), the
    // verdict must not move back by another half heartbeat.
    if (!socket || this.#probeTimer) return;
    // Still opening (a wake just as it was dialled): asked once it opens, as it may open on a dead network.
    if (socket.readyState === WebSocket.CONNECTING) return void (this.#probeOnOpen = true);
    if (!this.#ping()) return;
    this.#probePing = this.#pings;
    this.#probeTimer = setTimeout(() => {
      this.#probeTimer = undefined;
      this.#reconnect(socket, 'heartbeat timeout');
    }, this.#heartbeatMs / 2);
  }

  /**
   * The page is in view and online again: a socket may have died meanwhile
   * (see probe()), and one that was waiting out a backoff need wait no more,
   * as what it waited for (the network) may be back. A hidden page waits until shown.
   */
  readonly #onWake = (): void => {
    if (globalThis.document?.visibilityState === 'hidden') return;
    if (this.#socket) this.probe();
    else if (this.state === 'reconnecting') this.#dialNow();
  };

  /**
   * Counts answers, not time: a hidden tab's timers may fire a minute late
   * (Chrome's intensive throttling), and a socket silent for that minute
   * without being asked anything is not dead.
   */
  #startHeartbeat(socket: WebSocket): void {
    let receivedAtPing: number | undefined; // Nothing asked yet, nothing to judge.
    this.#heartbeatTimer = setInterval(() => {
      if (receivedAtPing === this.#received) return this.#reconnect(socket, 'heartbeat timeout');
      receivedAtPing = this.#received;
      this.#ping();
    }, this.#heartbeatMs);
  }

  #stopHeartbeat(): void {
    clearInterval(this.#heartbeatTimer);
    this.#stopProbe();
  }

  #stopProbe(): void {
    clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
  }

  /** Closes a socket that was open, as a drop: the next attempt follows the backoff. */
  #reconnect(socket: WebSocket, reason: string): void {
    socket.close(RECONNECTING, reason);
    this.#dropped(socket, true);
  }

  #setState(state: SignalingState): void {
    if (state === this.state) return;
    this.state = state;
    this.#handlers.onStateChange?.(state);
  }
}

/** `url` with `join` in its query, beside whatever the page put there. */
function withJoin(url: string, join: JoinMessage): string {
  const withQuery = new URL(url);
  withQuery.searchParams.set('join', JSON.stringify(join));
  return withQuery.href;
}
