/**
 * Every open socket of one relay, and the timer that pings each of them once
 * per interval.
 *
 * The pings are not sent all in one turn: a thousand pings written at once
 * (and the thousand pongs read back) held up forwarding for 30-40 ms every
 * 5 s on the bench machine (bench/FINDINGS.md, relay (b)). So the sockets are
 * dealt into slices, one per tick of about TICK_MS, and a tick touches only
 * its own slice: the work per tick grows with the relay's size divided by the
 * number of ticks, and the sockets of other slices are not even walked.
 */

/** What the heartbeat asks of a socket once per interval. */
export interface Beating {
  /** Pings the socket, or drops it if the previous ping went unanswered. */
  heartbeat(): void;
}

/** About how often a tick comes; an interval is a whole number of ticks. */
export const TICK_MS = 50;

export class Heartbeat<T extends Beating> implements Iterable<T> {
  readonly #slices: Set<T>[];
  readonly #tickMs: number;
  #timer: NodeJS.Timeout | undefined;
  #tick = 0;

  constructor(intervalMs: number) {
    const ticks = Math.max(1, Math.round(intervalMs / TICK_MS));
    this.#slices = Array.from({ length: ticks }, () => new Set<T>());
    this.#tickMs = intervalMs / ticks;
  }

  /** A new socket joins the smallest slice, so slices stay even as sockets come and go. */
  add(socket: T): void {
    let smallest = this.#slices[0]!;
    for (const slice of this.#slices) if (slice.size < smallest.size) smallest = slice;
    smallest.add(socket);
  }

  delete(socket: T): void {
    for (const slice of this.#slices) if (slice.delete(socket)) return;
  }

  /** How many sockets there are (for metrics: it walks every slice). */
  get size(): number {
    return this.#slices.reduce((sum, slice) => sum + slice.size, 0);
  }

  *[Symbol.iterator](): Iterator<T> {
    for (const slice of this.#slices) yield* slice;
  }

  start(): void {
    // unref: a relay's heartbeat alone does not keep the process running.
    this.#timer ??= setInterval(() => this.#beat(), this.#tickMs).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #beat(): void {
    const slice = this.#slices[this.#tick++ % this.#slices.length]!;
    // A socket dropped here leaves its slice during the walk, which a Set allows.
    for (const socket of slice) socket.heartbeat();
  }
}
