/**
 * When someone given up on is tried again. The tries themselves (a new
 * connection that comes up) are proven in the browser tests
 * (media-path.test.ts: a TURN server back, a peer reachable again).
 */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { GivenUpRetries } from '../../src/room/given-up-retries.js';

/** Retries whose host's state the test sets; `offers` lists every try made. Jitter is pinned to its lowest (half the ceiling). */
function setUp(t: TestContext, { polite = false } = {}) {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  t.mock.method(Math, 'random', () => 0);
  const host = { givenUp: true, trying: false, canOffer: true };
  const offers: string[] = [];
  const retries = new GivenUpRetries({
    givenUp: () => host.givenUp,
    trying: () => host.trying,
    canOffer: () => host.canOffer,
    offer: (id) => void offers.push(id),
    polite: () => polite,
  });
  return { host, offers, retries, tick: (ms: number) => t.mock.timers.tick(ms) };
}

describe('GivenUpRetries', () => {
  it('tries 5 s after, then ever further apart after each failed try, up to 30 s', (t) => {
    const { offers, retries, tick } = setUp(t);
    retries.schedule('a');
    tick(4999);
    assert.deepEqual(offers, []);
    tick(1);
    assert.deepEqual(offers, ['a']);
    for (const [failed, delay] of [10_000, 20_000, 30_000, 30_000].entries()) {
      retries.failed('a');
      tick(delay - 1);
      assert.equal(offers.length, failed + 1);
      tick(1);
      assert.equal(offers.length, failed + 2, `the next try ${delay} ms after a failed one`);
    }
  });

  it('on the polite side, one step later (so that mostly the other side’s try comes first)', (t) => {
    const { offers, retries, tick } = setUp(t, { polite: true });
    retries.schedule('a');
    tick(9999);
    assert.deepEqual(offers, []);
    tick(1);
    assert.deepEqual(offers, ['a']);
  });

  it('makes no try for someone back or gone by then, nor while a try (theirs, it may be) is under way', (t) => {
    const { host, offers, retries, tick } = setUp(t);
    host.trying = true;
    retries.schedule('a');
    tick(5000);
    host.trying = false;
    tick(60_000);
    assert.deepEqual(offers, [], 'the try under way plans the next when it ends');
    host.givenUp = false;
    retries.schedule('a');
    tick(60_000);
    assert.deepEqual(offers, []);
  });

  it('while the relay cannot take an offer to them, waits as long again, without counting it a failure', (t) => {
    const { host, offers, retries, tick } = setUp(t);
    host.canOffer = false;
    retries.schedule('a');
    tick(5000);
    assert.deepEqual(offers, []);
    host.canOffer = true;
    tick(4999);
    assert.deepEqual(offers, []);
    tick(1);
    assert.deepEqual(offers, ['a']);
  });

  it('now(): a try at once, and the backoff started over', (t) => {
    const { offers, retries, tick } = setUp(t);
    retries.schedule('a');
    retries.failed('a');
    retries.failed('a');
    retries.now('a');
    assert.deepEqual(offers, ['a']);
    retries.failed('a');
    tick(10_000);
    assert.deepEqual(offers, ['a', 'a'], 'after now(), a failed try waits the second delay, not the fourth');
  });

  it('cancel() and clear() stop every planned try', (t) => {
    const { offers, retries, tick } = setUp(t);
    retries.schedule('a');
    retries.schedule('b');
    retries.schedule('c');
    retries.cancel('a');
    retries.clear();
    tick(60_000);
    assert.deepEqual(offers, []);
  });
});
