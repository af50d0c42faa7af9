import type { PeerNegotiator } from '../negotiation/peer-negotiator.js';

/** Where a negotiator's signals go: to a peer, or (while held) to its held offer. */
export interface Route {
  to?: string;
  offerId?: string;
}

/** A negotiator and the route its signals take (filled in once it is known). */
export interface Connection {
  route: Route;
  negotiator: PeerNegotiator;
}

/** How long connections stay settled before the next offer is held (see HeldOffer.renew). */
const HOLD_AFTER_SETTLED_MS = 500;

/** What the held offer needs to know of the session around it. */
export interface HeldOfferHost {
  /** A new connection whose signals take `route`. */
  create(route: Route): PeerNegotiator;
  /** The relay has let me in (its `welcome`), so that an offer made now reaches it. */
  admitted(): boolean;
  /** No connection of mine is being set up. */
  settled(): boolean;
  /** I have no connection at all: nothing for a new offer to compete with. */
  alone(): boolean;
}

/**
 * My offer waiting at the relay for the next joiner, who then answers at
 * once, without a round trip; and a spare connection, built ahead for the
 * first offer I answer or hold: building one costs a few ms of main thread,
 * which would otherwise sit between the relay's `welcome` and my answer.
 */
export class HeldOffer {
  #held?: Connection;
  #spare?: Connection;
  /** An offer is to be held once connections settle (see renew). */
  #pending = false;
  #timer?: ReturnType<typeof setTimeout>;
  #closed = false;
  readonly #host: HeldOfferHost;

  constructor(host: HeldOfferHost) {
    this.#host = host;
  }

  /** The held offer's connection, which sends my media too (the newcomer sees me at once). */
  get negotiator(): PeerNegotiator | undefined {
    return this.#held?.negotiator;
  }

  /** Builds the spare while the relay socket connects. */
  prepare(): void {
    this.#spare = this.#newSpare();
  }

  /** The spare connection if it is still unused, else a new one. */
  take(route: Route): Connection {
    const spare = this.#spare;
    this.#spare = undefined;
    if (!spare) return { route, negotiator: this.#host.create(route) };
    Object.assign(spare.route, route);
    return spare;
  }

  /** The held offer, if `offerId` is its id: a newcomer took it, so it is no longer held. */
  claim(offerId: string | undefined): Connection | undefined {
    const held = this.#held;
    if (!offerId || offerId !== held?.route.offerId) return undefined;
    this.#held = undefined;
    return held;
  }

  /**
   * New ICE servers: what was gathered with the old ones is of no use, so
   * an unused spare and a held offer are both made anew.
   */
  refresh(): void {
    // The spare is made anew, not reconfigured: Chromium takes new ICE servers as an ICE restart to
    // negotiate and fires negotiationneeded even on a connection with nothing to offer yet. The spare then
    // made an empty offer, which failed, and whatever it was used for next broke: no held offer was made,
    // or the held offer it was to answer failed (every call through a relay that hands out TURN).
    if (this.#spare) {
      this.#spare.negotiator.close();
      this.#spare = this.#newSpare();
    }
    if (this.#held) this.renew();
  }

  /**
   * Drops any held offer and holds a new one once every connection has
   * settled and stayed so for a moment. Making it (a connection, ICE
   * gathering) competes for the CPU with the handshakes in progress, and
   * with the first frames being encoded and decoded just after a connection
   * comes up, which is what people are waiting for (bench/: ~30 ms of the
   * first frame on 2 cores). A joiner arriving before then is offered to
   * directly instead.
   */
  renew(): void {
    this.#held?.negotiator.close();
    this.#held = undefined;
    this.#pending = true;
    this.holdIfSettled();
  }

  /**
   * Holds the pending offer if connections have settled: called whenever one
   * changes state or goes. Not while the relay has not let me in (it is
   * away, or will not have me yet): the offer would be lost, and with TURN
   * each try would cost an allocation. The `welcome` renews it.
   */
  holdIfSettled(): void {
    if (!this.#pending || this.#closed || !this.#host.admitted()) return;
    if (this.#host.alone()) return this.#hold();
    if (this.#timer || !this.#host.settled()) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#host.settled() && this.#host.admitted()) this.#hold(); // Else the next change tries again.
    }, HOLD_AFTER_SETTLED_MS);
  }

  /** Closes the held offer's connection and the spare; nothing is held again. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#held?.negotiator.close();
    this.#spare?.negotiator.close();
    this.#held = this.#spare = undefined;
  }

  #hold(): void {
    this.#pending = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#held = this.take({ offerId: crypto.randomUUID() });
    this.#held.negotiator.heldOffer = true;
    this.#held.negotiator.startOffering();
  }

  #newSpare(): Connection {
    const route: Route = {};
    return { route, negotiator: this.#host.create(route) };
  }
}
