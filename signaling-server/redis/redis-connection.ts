/**
 * A connection whose rooms live in Redis (redis-rooms.ts). Every message waits
 * for Redis, so a socket's frames are handled one after another: a client
 * that sends `join` then `offer` gets them applied in that order.
 */
import { randomUUID } from 'node:crypto';
import type { ClientMessage, JoinMessage, PeerLeftHow } from '../../src/protocol/messages.js';
import { Connection, PONG, refuseOtherJoin, type Hub } from '../connection.js';
import { roomErrors, StoreUnavailable, type ProtocolError } from '../errors.js';
import type { Membership, RedisRooms, RoomSocket } from './redis-rooms.js';

export interface RedisHub extends Hub {
  readonly rooms: RedisRooms;
  /**
   * The leaves of sockets that have closed, until Redis has them: such a
   * socket is out of `connections`, yet the relay must not let go of Redis
   * before its room hears that it left.
   */
  readonly leaving: Set<Promise<unknown>>;
}

export class RedisConnection extends Connection<RedisHub, Membership> implements RoomSocket {
  readonly id = randomUUID();
  holding = false;
  /** Room events that came before this member's welcome went out: sent right after it. */
  private early: (string | Buffer)[] | undefined;
  /** The frame being handled; the next one waits for it. */
  private turn: Promise<unknown> = Promise.resolve();
  /** Refusals queued last, not yet sent: more of them in a row only add to the count. */
  private refusals: { count: number } | undefined;
  /**
   * Set when Redis failed one of this socket's frames and the socket was
   * closed with 1013: the frames queued behind it are dropped, not each left
   * to wait out its own command timeout while the socket's leave waits too,
   * and its place in the room is kept for its client (RedisRooms.keepPlace).
   */
  private abandoned = false;

  fromRoom(frame: string | Buffer): void {
    if (this.early) this.early.push(frame);
    else this.deliver(frame);
  }

  protected override receive(frame: Buffer, isBinary: boolean): Promise<void> {
    this.refusals = undefined;
    const handled = this.turn.then(() => (this.abandoned ? undefined : super.receive(frame, isBinary)));
    this.turn = handled;
    return handled;
  }

  /**
   * A frame past the rate limit is answered in its turn, after the replies to
   * the frames before it, which may still be waiting for Redis. A flood past
   * the limit costs a counter, not a queue entry per frame.
   */
  protected override refuse(error: ProtocolError): void {
    if (this.refusals) {
      this.refusals.count++;
      return;
    }
    const refusals = (this.refusals = { count: 1 });
    this.turn = this.turn.then(() => {
      if (this.refusals === refusals) this.refusals = undefined;
      for (let n = 0; n < refusals.count; n++) this.fail(error, undefined);
    });
  }

  protected override fail(error: unknown, ref: string | undefined): void {
    if (error instanceof StoreUnavailable) this.abandoned = true;
    super.fail(error, ref);
  }

  protected async handle(message: ClientMessage, frame: Buffer): Promise<void> {
    if (message.type === 'ping') {
      // A pong means "you have everything sent to you before this", as with one relay.
      await this.hub.rooms.caughtUp();
      return this.deliver(PONG);
    }
    if (message.type === 'join') return this.join(message);
    const member = this.member;
    if (!member) throw roomErrors.notJoined(message.type);
    const rooms = this.hub.rooms;
    switch (message.type) {
      case 'offer':
        return rooms.hold(this, member, message);
      case 'candidate':
        return message.to !== undefined
          ? rooms.forward(this, member, message.to, frame)
          : rooms.offerCandidate(this, member, message, frame);
      case 'description':
        return rooms.forward(this, member, message.to, frame);
      case 'status':
        return rooms.status(this, member, message, frame);
      case 'leave':
        return this.depart('left');
    }
  }

  /**
   * On close: queued behind the frames still waiting, so it leaves whatever
   * room they end up in (a `join` still queued must not outlive the socket).
   */
  protected leave(how: PeerLeftHow): void {
    const left = (this.turn = this.turn.then(() => this.depart(how)).catch(logLeaveError));
    const leaving = this.hub.leaving;
    leaving.add(left);
    void left.then(() => leaving.delete(left));
  }

  protected forget(): void {
    if (this.member) this.hub.rooms.forget(this, this.member);
    this.member = undefined;
  }

  private async depart(how: PeerLeftHow): Promise<void> {
    const member = this.member;
    if (!member) return;
    this.member = undefined;
    if (this.abandoned || this.keepsPlace) this.hub.rooms.keepPlace(this, member);
    else await this.hub.rooms.leave(this, member, how);
  }

  private async join(message: JoinMessage): Promise<void> {
    if (this.member) return refuseOtherJoin(message, this.member.room, this.member.peer);
    const member: Membership = { room: message.room, peer: message.peer ?? randomUUID() };
    this.member = member;
    this.early = [];
    try {
      this.deliver(JSON.stringify(await this.hub.rooms.join(this, member, message)));
      for (const frame of this.early) this.deliver(frame);
    } catch (error) {
      this.member = undefined;
      throw error;
    } finally {
      this.early = undefined;
    }
  }
}

/** A leave Redis did not take is logged with the outage and tried again (RedisRooms.settle). */
function logLeaveError(error: unknown): void {
  if (!(error instanceof StoreUnavailable)) console.error('p2p-call relay: leaving a room in redis failed', error);
}
