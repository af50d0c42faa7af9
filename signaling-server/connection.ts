/**
 * One client socket: decodes its frames, dispatches them to its room, turns
 * client mistakes into `error` replies, and leaves the room when it closes.
 */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { ClientMessage, ErrorMessage, JoinMessage } from '../src/protocol/messages.js';
import { ProtocolError } from './errors.js';
import type { Endpoint } from './room.js';
import type { Membership, Rooms } from './rooms.js';
import { parse, validate } from './validate.js';

const PONG = JSON.stringify({ type: 'pong' });

export class Connection implements Endpoint {
  /** Cleared on every heartbeat tick, set again by the client's pong. */
  private alive = true;
  private membership: Membership | undefined;
  private corked = false;

  constructor(
    private readonly socket: WebSocket,
    /** The TCP socket under `socket`, for batching writes. */
    private readonly tcp: Socket,
    private readonly rooms: Rooms,
    private readonly maxMessageBytes: number,
  ) {
    // With the default binaryType every frame arrives as one Buffer.
    socket.on('message', (data, isBinary) => this.receive(data as Buffer, isBinary));
    socket.on('pong', () => (this.alive = true));
    socket.on('close', () => this.leave());
    // Protocol violations (bad UTF-8, frames over maxPayload) are reported
    // here and followed by 'close'; without a listener they would crash the process.
    socket.on('error', () => {});
  }

  /**
   * Frames sent to this socket during one turn of the event loop leave in one
   * writev: the socket is corked on the first and uncorked once the frames
   * read in this turn are handled. One syscall per frame was the relay's
   * main cost (see bench/README.md); this adds at most one loop turn of delay.
   */
  send(frame: string | Buffer): void {
    if (!this.corked) {
      this.corked = true;
      this.tcp.cork();
      setImmediate(() => {
        this.corked = false;
        this.tcp.uncork();
      });
    }
    this.socket.send(frame, { binary: false });
  }

  replaced(): void {
    this.membership = undefined;
    this.socket.close(4001, 'replaced');
  }

  /**
   * Called every heartbeat interval: a socket that has not answered the
   * previous ping is dead (a vanished laptop never sends a TCP close), so we
   * terminate it and its 'close' handler announces peer-left.
   */
  heartbeat(): void {
    if (!this.alive) {
      this.socket.terminate();
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  private receive(frame: Buffer, isBinary: boolean): void {
    let ref: string | undefined;
    try {
      const value = parse(frame, isBinary, this.maxMessageBytes);
      if (typeof value.type === 'string') ref = value.type;
      this.dispatch(validate(value), frame);
    } catch (error) {
      if (error instanceof ProtocolError) {
        const reply: ErrorMessage = { type: 'error', code: error.code, message: error.message, ref };
        this.send(JSON.stringify(reply));
      } else {
        // A relay bug. Thrown out of a ws listener it would take every room
        // down (or wedge this socket so it never closes); drop just this one.
        console.error('p2p-call relay: internal error', error);
        this.socket.close(1011, 'internal error');
      }
    }
  }

  private dispatch(message: ClientMessage, frame: Buffer): void {
    if (message.type === 'ping') return this.send(PONG);
    if (message.type === 'join') return this.join(message);
    const membership = this.membership;
    if (!membership) throw new ProtocolError('not-joined', `join a room before sending "${message.type}"`);
    const { room, member } = membership;
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
    if (this.membership) {
      throw new ProtocolError('already-joined', `already in room "${this.membership.room.name}"; leave first`);
    }
    this.membership = this.rooms.join(this, message, message.peer ?? randomUUID());
  }

  private leave(): void {
    if (this.membership) this.rooms.leave(this.membership);
    this.membership = undefined;
  }
}
