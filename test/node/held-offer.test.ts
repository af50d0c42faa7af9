/**
 * When the offer for the next joiner is made, and which connection each
 * user gets. The negotiators are fakes that record what is done to them:
 * the held offer's handshake itself is proven in the browser tests (a
 * joiner answers the offer the relay held).
 */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { HeldOffer, type Route } from '../../src/room/held-offer.js';
import type { PeerNegotiator } from '../../src/negotiation/peer-negotiator.js';

interface FakeNegotiator {
  route: Route;
  heldOffer: boolean;
  offering: boolean;
  closed: boolean;
}

/** A HeldOffer whose host's state the test sets; `made` lists every connection it asked for. */
function setUp(t: TestContext) {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const host = { settled: true, alone: false, admitted: true };
  const made: FakeNegotiator[] = [];
  const heldOffer = new HeldOffer({
    create: (route) => {
      const negotiator: FakeNegotiator = { route, heldOffer: false, offering: false, closed: false };
      made.push(negotiator);
      return Object.assign(negotiator, {
        startOffering: () => void (negotiator.offering = true),
        close: () => void (negotiator.closed = true),
      }) as unknown as PeerNegotiator;
    },
    settled: () => host.settled,
    alone: () => host.alone,
    admitted: () => host.admitted,
  });
  const held = () => heldOffer.negotiator as unknown as FakeNegotiator | undefined;
  return { host, made, heldOffer, held, tick: (ms: number) => t.mock.timers.tick(ms) };
}

describe('HeldOffer', () => {
  it('hands out the spare made ahead once, then new connections', (t) => {
    const { made, heldOffer } = setUp(t);
    heldOffer.prepare();
    assert.equal(made.length, 1);
    const first = heldOffer.take({ to: 'a' });
    assert.equal(first.negotiator as unknown, made[0]);
    assert.deepEqual(made[0].route, { to: 'a' }, 'the spare takes the route it is used for');
    const second = heldOffer.take({ to: 'b' });
    assert.equal(made.length, 2);
    assert.equal(second.negotiator as unknown, made[1]);
  });

  it('holds an offer at once when alone, made on the spare', (t) => {
    const { host, made, heldOffer, held } = setUp(t);
    host.alone = true;
    heldOffer.prepare();
    heldOffer.renew();
    assert.equal(held(), made[0]);
    assert.equal(made.length, 1);
    assert.ok(held()!.heldOffer && held()!.offering);
    assert.match(held()!.route.offerId ?? '', /^[0-9a-f-]{36}$/);
  });

  it('waits until connections have stayed settled for 500 ms', (t) => {
    const { host, heldOffer, held, tick } = setUp(t);
    host.settled = false;
    heldOffer.renew();
    tick(10_000);
    assert.equal(held(), undefined, 'nothing held while a connection is being set up');
    host.settled = true;
    heldOffer.holdIfSettled();
    tick(499);
    assert.equal(held(), undefined);
    tick(1);
    assert.ok(held()?.offering);
  });

  it('does not hold if a connection started meanwhile, and tries again at its next change', (t) => {
    const { host, heldOffer, held, tick } = setUp(t);
    heldOffer.renew();
    host.settled = false;
    tick(500);
    assert.equal(held(), undefined);
    host.settled = true;
    heldOffer.holdIfSettled();
    tick(500);
    assert.ok(held());
  });

  it('holds nothing while the relay has not let me in, alone or not; then at the next change', (t) => {
    const { host, made, heldOffer, held, tick } = setUp(t);
    host.admitted = false;
    host.alone = true;
    heldOffer.renew();
    host.alone = false;
    heldOffer.holdIfSettled();
    tick(10_000);
    assert.equal(held(), undefined);
    assert.equal(made.length, 0, 'no connection made for an offer nobody would get');
    host.admitted = true;
    heldOffer.holdIfSettled();
    tick(500);
    assert.ok(held()?.offering);
  });

  it('does not hold if the relay let me go meanwhile', (t) => {
    const { host, heldOffer, held, tick } = setUp(t);
    heldOffer.renew();
    host.admitted = false;
    tick(500);
    assert.equal(held(), undefined);
  });

  it('gives the held offer to the joiner who names it, and only to them', (t) => {
    const { host, heldOffer, held } = setUp(t);
    host.alone = true;
    heldOffer.renew();
    const offer = held()!;
    assert.equal(heldOffer.claim('another-offer'), undefined);
    assert.equal(heldOffer.claim(undefined), undefined);
    assert.equal(held(), offer);
    const claimed = heldOffer.claim(offer.route.offerId);
    assert.equal(claimed?.negotiator as unknown, offer);
    assert.equal(held(), undefined, 'no longer held once taken');
    assert.equal(offer.closed, false);
  });

  it('renewing drops the old offer', (t) => {
    const { host, heldOffer, held } = setUp(t);
    host.alone = true;
    heldOffer.renew();
    const old = held()!;
    heldOffer.renew();
    assert.ok(old.closed);
    assert.notEqual(held(), old);
    assert.notEqual(held()!.route.offerId, old.route.offerId);
  });

  it('makes an unused spare and a held offer anew on refresh, and nothing else', (t) => {
    const { host, made, heldOffer, held } = setUp(t);
    heldOffer.refresh();
    assert.equal(made.length, 0, 'no spare, no offer: nothing to make anew');
    heldOffer.prepare();
    host.alone = true;
    heldOffer.refresh();
    assert.ok(made[0].closed);
    assert.equal(made.length, 2);
    heldOffer.renew(); // on the new spare
    const offer = held()!;
    assert.equal(offer, made[1]);
    heldOffer.refresh();
    assert.ok(offer.closed);
    assert.equal(made.length, 3);
    assert.equal(held(), made[2]);
  });

  it('holds nothing once closed, and closes what it had', (t) => {
    const { host, made, heldOffer, held, tick } = setUp(t);
    heldOffer.prepare();
    heldOffer.renew(); // pending: waits 500 ms
    heldOffer.close();
    assert.ok(made[0].closed);
    tick(1000);
    host.alone = true;
    heldOffer.renew();
    heldOffer.holdIfSettled();
    assert.equal(held(), undefined);
    assert.equal(made.length, 1);
  });
});
