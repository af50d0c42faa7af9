/**
 * Reconnect delays: exponential with "equal jitter" (half the ceiling, plus a
 * random part of the other half), so that every peer of a restarted relay
 * does not come back in the same millisecond.
 * (See the AWS architecture blog, "Exponential Backoff And Jitter".)
 */
export interface BackoffOptions {
  /** First delay before jitter, in ms. */
  initialMs: number;
  /** Cap on the delay before jitter, in ms. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 10_000 };

/** The delay before reconnect attempt `attempt` (0-based), in ms. */
export function backoffDelay(
  attempt: number,
  { initialMs, maxMs }: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** attempt);
  // Never below half the ceiling: a reconnect storm with a zero delay helps nobody.
  return ceiling / 2 + random() * (ceiling / 2);
}
