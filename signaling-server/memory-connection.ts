/**
 * A connection whose rooms live in this process (the default): every message
 * is handled synchronously, in the order it arrived.
 */
import { randomUUID } from 'node:crypto';
import type { ClientMessage, JoinMessage, PeerLeftHow } from '../src/protocol/messages.js';
import { Connection, PONG, refuseOtherJoin, type Hub } from './connection.js';
import { roomErrors } from './errors.js';
import type { Member } from './room.js';
import type { Rooms } from './rooms.js';

export interface MemoryHub extends Hub {
  readonly rooms: Rooms;
}

/** How long the place of a socket the relay dropped is kept for its client (Connection.keepsPlace), as Redis's presence TTL by default. */
const KEPT_PLACE_MS = 15_000;

export class MemoryConnection extends Connection<MemoryHub, Member> {
  protected handle(message: ClientMessage, frame: Buffer): void {
    if (message.type === 'ping') return this.deliver(PONG);
    if (message.type === 'join') return this.join(message);
    const member = this.member;
    if (!member) throw roomErrors.notJoined(message.type);
    const room = member.room;
    switch (message.type) {
      case 'offer':
        return room.hold(member, message);
      case 'candidate':
        return room.candidate(member, message, frame);
      case 'description':
        return room.forward(member, message.to, frame);
      case 'status':
        return room.status(member, message, frame);
      case 'leave':
        return this.leave('left');
    }
  }

  protected leave(how: PeerLeftHow): void {
    const member = this.member;
    this.member = undefined;
    if (!member) return;
    if (!this.keepsPlace) return this.hub.rooms.leave(member, how);
    member.held = undefined; // a newcomer's answer to it would reach nobody
    // Unless its client took it back meanwhile (Rooms.leave then finds it gone).
    setTimeout(() => this.hub.rooms.leave(member, 'lost'), KEPT_PLACE_MS).unref();
  }

  protected forget(): void {
    this.member = undefined;
  }

  private join(message: JoinMessage): void {
    if (this.member) return refuseOtherJoin(message, this.member.room.name, this.member.peer);
    this.member = this.hub.rooms.join(this, message, message.peer ?? randomUUID());
  }
}
