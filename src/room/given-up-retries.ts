import { backoffDelay, type BackoffOptions } from '../signaling/backoff.js';

/**
 * When a connection given up on is tried again while that person stays in
 * the room: 5-10 s after, then ever further apart, at most a minute. What
 * failed it (a TURN server down, a network that changed) is often over soon,
 * and nobody in a call thinks of leaving and rejoining to try again.
 */
const RETRY_GIVEN_UP: BackoffOptions = { initialMs: 10_000, maxMs: 60_000 };

/** What the retries need to know of the session around them. */
export interface GivenUpRetriesHost {
  /** They are still given up on, and in the room. */
  givenUp(id: string): boolean;
  /** A connection to them is being tried (theirs, it may be): its end plans the next try. */
  trying(id: string): boolean;
  /** The relay can take an offer to them now. */
  canOffer(id: string): boolean;
  /** A try: a new connection to them, offering. */
  offer(id: string): void;
  /** Whether I am the polite side of the pair. */
  polite(id: string): boolean;
}

/**
 * The next try of each peer given up on. Both sides try, so that one side's
 * failure to does not leave the other waiting; the polite side one step
 * later, so that mostly the other's try comes first and is simply answered
 * (two at once work too: the polite side answers the other's offer on a
 * connection of its own, PeerNegotiator.isFromAnotherConnection).
 */
export class GivenUpRetries {
  /** The next try of each peer, and how many failed before it. */
  readonly #next = new Map<string, { attempt: number; timer: ReturnType<typeof setTimeout> }>();
  readonly #host: GivenUpRetriesHost;

  constructor(host: GivenUpRetriesHost) {
    this.#host = host;
  }

  /** Plans a try after the `attempt`th delay, unless they are back or gone by then, or a try is under way. */
  schedule(id: string, attempt = 0): void {
    this.cancel(id);
    const timer = setTimeout(
      () => {
        if (!this.#host.givenUp(id)) return this.cancel(id);
        if (this.#host.trying(id)) return;
        if (this.#host.canOffer(id)) this.#host.offer(id);
        else this.schedule(id, attempt);
      },
      backoffDelay(attempt + (this.#host.polite(id) ? 1 : 0), RETRY_GIVEN_UP),
    );
    this.#next.set(id, { attempt, timer });
  }

  /** A try failed too: the next one further apart. */
  failed(id: string): void {
    this.schedule(id, (this.#next.get(id)?.attempt ?? 0) + 1);
  }

  /** A try now, in place of any under way, and the backoff started over. */
  now(id: string): void {
    this.schedule(id);
    if (this.#host.canOffer(id)) this.#host.offer(id);
  }

  /** No more tries for them: they are reachable again. */
  cancel(id: string): void {
    clearTimeout(this.#next.get(id)?.timer);
    this.#next.delete(id);
  }

  clear(): void {
    for (const id of [...this.#next.keys()]) this.cancel(id);
  }
}
