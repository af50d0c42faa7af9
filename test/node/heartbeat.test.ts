/**
 * The relay's heartbeat with fake sockets and mocked timers: how the pings of
 * one interval are spread. (relay.test.ts checks it with real sockets.)
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Heartbeat, TICK_MS } from '../../signaling-server/heartbeat.js';

class FakeSocket {
  beats = 0;
  heartbeat(): void {
    this.beats++;
  }
}

/** A started heartbeat of 5 s (100 ticks) on mocked timers, holding `count` new sockets. */
function heartbeatWith(t: TestContext, count: number) {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const heartbeat = new Heartbeat<FakeSocket>(5000);
  t.after(() => heartbeat.stop());
  const add = (n: number) =>
    Array.from({ length: n }, () => {
      const socket = new FakeSocket();
      heartbeat.add(socket);
      return socket;
    });
  const sockets = add(count);
  heartbeat.start();
  /** Runs one interval, tick by tick: how many sockets each tick reached. */
  const interval = (all: FakeSocket[]) => {
    const perTick: number[] = [];
    for (let tick = 0; tick < 5000 / TICK_MS; tick++) {
      const before = all.reduce((sum, s) => sum + s.beats, 0);
      t.mock.timers.tick(TICK_MS);
      perTick.push(all.reduce((sum, s) => sum + s.beats, 0) - before);
    }
    return perTick;
  };
  return { heartbeat, sockets, add, interval };
}

test('heartbeat: every socket beats once per interval, a hundredth of them per tick', (t) => {
  const { sockets, interval } = heartbeatWith(t, 1000);
  const perTick = interval(sockets);
  assert.deepEqual(new Set(sockets.map((s) => s.beats)), new Set([1]));
  assert.deepEqual(new Set(perTick), new Set([10]));
  interval(sockets);
  assert.deepEqual(new Set(sockets.map((s) => s.beats)), new Set([2]));
});

test('heartbeat: slices stay even as sockets come and go, and a deleted socket is not pinged', (t) => {
  const { heartbeat, sockets, add, interval } = heartbeatWith(t, 1000);
  // The first 500 in iteration order are the first half of the slices, emptied.
  const gone = [...heartbeat].slice(0, 500);
  gone.forEach((socket) => heartbeat.delete(socket));
  const stayed = [...sockets.filter((s) => !gone.includes(s)), ...add(500)];
  const perTick = interval([...gone, ...stayed]);
  assert.equal(Math.max(...perTick), 10, `at most 10 pings per tick, got ${Math.max(...perTick)}`);
  assert.ok(gone.every((s) => s.beats === 0));
  assert.ok(stayed.every((s) => s.beats === 1));
  assert.equal([...heartbeat].length, 1000);
});

test('heartbeat: a short interval is one tick', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const heartbeat = new Heartbeat<FakeSocket>(30);
  t.after(() => heartbeat.stop());
  const socket = new FakeSocket();
  heartbeat.add(socket);
  heartbeat.start();
  t.mock.timers.tick(29);
  assert.equal(socket.beats, 0);
  t.mock.timers.tick(1);
  assert.equal(socket.beats, 1);
});
