/**
 * The set of live rooms. A room exists exactly while it has members, so a
 * relay that has seen a million rooms holds only the ones in use.
 */
import type { JoinMessage, PeerLeftHow } from '../src/protocol/messages.js';
import { Room, type Endpoint, type Member } from './room.js';

/** What a relay holds: live rooms, their members, and offers waiting for a joiner. */
export interface RoomStats {
  rooms: number;
  peers: number;
  heldOffers: number;
}

export class Rooms {
  private readonly rooms = new Map<string, Room>();

  constructor(private readonly maxPeersPerRoom: number) {}

  join(endpoint: Endpoint, message: JoinMessage, peer: string): Member {
    const room = this.rooms.get(message.room) ?? new Room(message.room, this.maxPeersPerRoom);
    const member = room.join(endpoint, message, peer);
    this.rooms.set(room.name, room); // only now: a refused join must not leave an empty room behind
    return member;
  }

  /** Takes a member out of its room, unless already out (taken over meanwhile). */
  leave(member: Member, how: PeerLeftHow): void {
    const room = member.room;
    if (!room.has(member)) return;
    room.leave(member, how);
    if (room.size === 0) this.rooms.delete(room.name);
  }

  stats(): RoomStats {
    let peers = 0;
    let heldOffers = 0;
    for (const room of this.rooms.values()) {
      peers += room.size;
      heldOffers += room.heldOffers;
    }
    return { rooms: this.rooms.size, peers, heldOffers };
  }
}
