/**
 * One client socket: decodes its frames, dispatches them to its room, turns
 * client mistakes into `error` replies, and leaves the room when it closes.
 *
 * A Connection *is* its ws socket (the server builds it through ws's
 * `WebSocket` option), and its listeners are prototype methods shared by every
 * socket, since ws calls them with `this` = the socket. Idle sockets are most
 * of what a big relay holds, so each one costs a few fields, not a wrapper
 * object plus a closure per event (bench/README.md, relay (c)).
 */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { WebSocket, type RawData } from 'ws';
import type { ClientMessage, ErrorMessage, JoinMessage } from '../src/protocol/messages.js';
import { ProtocolError } from './errors.js';
import type { Endpoint, Member } from './room.js';
import type { Rooms } from './rooms.js';
import { parse, validate } from './validate.js';

/** What every connection of one relay shares. */
export interface Hub {
  readonly rooms: Rooms;
  /** Every open connection, for the heartbeat and close(). */
  readonly connections: Set<Connection>;
  readonly maxMessageBytes: number;
}

const PONG = JSON.stringify({ type: 'pong' });
const TEXT = { binary: false } as const;

export class Connection extends WebSocket implements Endpoint {
  /** Cleared on every heartbeat tick, set again by the client's pong. */
  private alive = true;
  private corked = false;
  private member: Member | undefined;
  // Set by start(), which the relay calls right after ws makes the socket.
  /** The TCP socket under this one, for batching writes. */
  private tcp!: Socket;
  private hub!: Hub;

  /** Called once the upgrade is done: until then ws has not wired the socket. */
  start(tcp: Socket, hub: Hub): void {
    this.tcp = tcp;
    this.hub = hub;
    hub.connections.add(this);
    // Shared methods, not closures: ws calls every listener with `this` = this socket.
    // With the default binaryType every frame arrives as one Buffer.
    this.on('message', this.receive as (data: RawData, isBinary: boolean) => void);
    this.on('pong', this.answered);
    this.on('close', this.closed);
    // Protocol violations (bad UTF-8, frames over maxPayload) are reported
    // here and followed by 'close'; without a listener they would crash the process.
    this.on('error', ignore);
  }

  /**
   * Frames sent to this socket during one turn of the event loop leave in one
   * writev: the socket is corked on the first and uncorked once the frames
   * read in this turn are handled. One syscall per frame was the relay's
   * main cost (see bench/README.md); this adds at most one loop turn of delay.
   */
  deliver(frame: string | Buffer): void {
    if (!this.corked) {
      this.corked = true;
      this.tcp.cork();
      setImmediate(() => {
        this.corked = false;
        this.tcp.uncork();
      });
    }
    this.send(frame, TEXT);
  }

  replaced(): void {
    this.member = undefined;
    this.close(4001, 'replaced');
  }

  /**
   * Called every heartbeat interval: a socket that has not answered the
   * previous ping is dead (a vanished laptop never sends a TCP close), so we
   * terminate it and its 'close' handler announces peer-left.
   */
  heartbeat(): void {
    if (!this.alive) {
      this.terminate();
      return;
    }
    this.alive = false;
    this.ping();
  }

  private answered(): void {
    this.alive = true;
  }

  private closed(): void {
    this.hub.connections.delete(this);
    this.leave();
  }

  private receive(frame: Buffer, isBinary: boolean): void {
    let ref: string | undefined;
    try {
      const value = parse(frame, isBinary, this.hub.maxMessageBytes);
      if (typeof value.type === 'string') ref = value.type;
      this.dispatch(validate(value), frame);
    } catch (error) {
      if (error instanceof ProtocolError) {
        const reply: ErrorMessage = { type: 'error', code: error.code, message: error.message, ref };
        this.deliver(JSON.stringify(reply));
      } else {
        // A relay bug. Thrown out of a ws listener it would take every room
        // down (or wedge this socket so it never closes); drop just this one.
        console.error('p2p-call relay: internal error', error);
        this.close(1011, 'internal error');
      }
    }
  }

  private dispatch(message: ClientMessage, frame: Buffer): void {
    if (message.type === 'ping') return this.deliver(PONG);
    if (message.type === 'join') return this.join(message);
    const member = this.member;
    if (!member) throw new ProtocolError('not-joined', `join a room before sending "${message.type}"`);
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
        return this.leave();
    }
  }

  private join(message: JoinMessage): void {
    if (this.member) {
      throw new ProtocolError('already-joined', `already in room "${this.member.room.name}"; leave first`);
    }
    this.member = this.hub.rooms.join(this, message, message.peer ?? randomUUID());
  }

  private leave(): void {
    if (this.member) this.hub.rooms.leave(this.member);
    this.member = undefined;
  }
}

function ignore(): void {}
