/**
 * How long someone the relay lost is kept. That they stay in a real call
 * while their media flows, and go when it stops, is proven in the browser
 * (test/browser/lost-by-relay.test.ts); here, what the browser cannot time:
 * a loss, a return and a second loss.
 */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { LOST_GIVEN_UP_MS, LostByRelay } from '../../src/room/lost-by-relay.js';

describe('LostByRelay', () => {
  function forgetting(t: TestContext) {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const forgotten: string[] = [];
    const lost = new LostByRelay();
    return { lost, forgotten, lose: (id: string) => lost.forgetUnlessBack(id, () => forgotten.push(id)), tick: (ms: number) => t.mock.timers.tick(ms) };
  }

  it('forgets someone given up on LOST_GIVEN_UP_MS after the relay lost them, once', (t) => {
    const { lost, forgotten, lose, tick } = forgetting(t);
    lose('a');
    tick(LOST_GIVEN_UP_MS / 2);
    lose('a'); // told again (a restarted relay's welcome without them): the first loss counts
    tick(LOST_GIVEN_UP_MS / 2 - 1);
    assert.deepEqual(forgotten, []);
    assert.ok(lost.has('a'));
    tick(1);
    assert.deepEqual(forgotten, ['a']);
    assert.ok(!lost.has('a'));
    tick(LOST_GIVEN_UP_MS);
    assert.deepEqual(forgotten, ['a']);
  });

  it('keeps someone back in time; lost again, they get the whole while again', (t) => {
    const { lost, forgotten, lose, tick } = forgetting(t);
    lose('a');
    tick(5000);
    lost.back('a');
    tick(5000);
    lose('a');
    tick(LOST_GIVEN_UP_MS - 1); // past the first loss's end
    assert.deepEqual(forgotten, [], 'not forgotten by the first loss’s timer');
    tick(1);
    assert.deepEqual(forgotten, ['a']);
  });

  it('clear() forgets nobody later', (t) => {
    const { lost, forgotten, lose, tick } = forgetting(t);
    lose('a');
    lost.clear();
    tick(LOST_GIVEN_UP_MS);
    assert.deepEqual(forgotten, []);
  });

  /** A `heard` whose answers the test gives one by one; `asked` counts the questions. */
  function listening() {
    const pending: ((heard: boolean | undefined) => void)[] = [];
    const silent: string[] = [];
    const lost = new LostByRelay();
    const answer = async (heard: boolean | undefined) => {
      pending.shift()!(heard);
      await new Promise((resolve) => setImmediate(resolve)); // the watch goes on in a microtask
    };
    const watch = (id: string) => lost.keepWhileHeard(id, () => new Promise((resolve) => pending.push(resolve)), () => silent.push(id));
    return { lost, silent, pending, answer, watch };
  }

  it('keeps someone connected while something arrives from them, and lets them go the first time nothing does', async () => {
    const { lost, silent, pending, answer, watch } = listening();
    watch('a');
    assert.equal(pending.length, 1, 'asked at once');
    watch('a'); // told again: watched once
    assert.equal(pending.length, 1);
    await answer(true);
    await answer(true);
    assert.deepEqual(silent, []);
    await answer(false);
    assert.deepEqual(silent, ['a']);
    assert.equal(pending.length, 0, 'no longer asked');
    assert.ok(lost.has('a'), 'lost until the session lets them go');
  });

  it('stops watching someone back on the relay, or whose connection cannot tell; lost again, one watch only', async () => {
    const { lost, silent, pending, answer, watch } = listening();
    watch('a');
    lost.back('a');
    watch('a'); // lost again before the first question was answered
    assert.equal(pending.length, 2);
    await answer(false); // the first loss's question: no longer theirs to judge
    assert.deepEqual(silent, []);
    assert.equal(pending.length, 1, 'the first loss asks no more');
    await answer(undefined); // replaced meanwhile: the watch ends without a word
    assert.deepEqual([silent, pending.length], [[], 0]);
  });
});
