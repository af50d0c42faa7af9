/** How long someone given up on and lost by the relay is kept for their return (see forgetUnlessBack): a restarted relay sees everyone back within its clients' backoff, ≤ 10 s. */
export const LOST_GIVEN_UP_MS = 20_000;

/**
 * People the relay lost (peer-left `lost`: their socket went, they did not
 * say goodbye). They are most likely reconnecting to the relay, so they are
 * not let go at once: one whose connection to me is up stays while it brings
 * something; one given up on stays given up on for a while, to be tried at
 * once when back. Back on the relay, they are simply still here.
 *
 * Each loss has a token of its own: what watches a loss stops at their
 * return, so that, lost again later, they are watched by the new loss alone,
 * not also by the first one's timer or loop.
 */
export class LostByRelay {
  readonly #losses = new Map<string, object>();

  has(id: string): boolean {
    return this.#losses.has(id);
  }

  /** They are back on the relay, or gone for good: what watched their loss stops. */
  back(id: string): void {
    this.#losses.delete(id);
  }

  clear(): void {
    this.#losses.clear();
  }

  /**
   * Someone given up on: `forget` them after LOST_GIVEN_UP_MS unless they are
   * back by then. Forgotten at once, they would come back as someone new: a
   * tile "Connecting…" for a connection that cannot come up, and the same
   * failure told again.
   */
  forgetUnlessBack(id: string, forget: () => void): void {
    const loss = this.#lose(id);
    if (!loss) return;
    setTimeout(() => {
      if (this.#losses.get(id) !== loss) return;
      this.#losses.delete(id);
      forget();
    }, LOST_GIVEN_UP_MS);
  }

  /**
   * Someone connected to me: asks `heard()` again and again whether
   * something arrived from them (it takes its own time to tell; `undefined`:
   * it cannot tell, as their connection was replaced or closed, and the
   * watch ends), and calls `silent` the first time nothing did.
   */
  keepWhileHeard(id: string, heard: () => Promise<boolean | undefined>, silent: () => void): void {
    const loss = this.#lose(id);
    if (!loss) return;
    const check = async (): Promise<void> => {
      const answer = await heard();
      if (answer === undefined || this.#losses.get(id) !== loss) return; // back, or gone, meanwhile
      if (!answer) return silent();
      void check();
    };
    void check();
  }

  /** A new loss, or none if they are lost already (and so watched). */
  #lose(id: string): object | undefined {
    if (this.#losses.has(id)) return undefined;
    const loss = {};
    this.#losses.set(id, loss);
    return loss;
  }
}
