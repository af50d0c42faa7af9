/**
 * A test client for the relay: a real `ws` socket that queues everything it
 * receives, so a test reads replies in order with `next()` and proves that
 * nothing else arrived with `quiet()`.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import assert from 'node:assert/strict';
import { WebSocket, type ClientOptions } from 'ws';
import type { ServerMessage } from '../../src/protocol/messages.js';

export interface Received {
  /** The frame exactly as it came off the wire. */
  raw: string;
  message: ServerMessage;
}

export class TestClient {
  private readonly inbox: Received[] = [];
  private waiting: ((received: Received) => void) | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const raw = data.toString();
      const received = { raw, message: JSON.parse(raw) as ServerMessage };
      const waiting = this.waiting;
      this.waiting = undefined;
      if (waiting) waiting(received);
      else this.inbox.push(received);
    });
  }

  static async connect(url: string, options?: ClientOptions): Promise<TestClient> {
    const socket = new WebSocket(url, options);
    // Listening from the start: a relay may send (a welcome for a join in the URL) right after the handshake.
    const client = new TestClient(socket);
    await once(socket, 'open');
    return client;
  }

  /**
   * The close code a relay turns a connection to `url` away with, right after
   * the handshake. It must: an HTTP refusal (which a browser cannot see) rejects,
   * and so does a socket still open after 2 s, or one the relay sent anything.
   */
  static async refusal(url: string): Promise<number> {
    const socket = new WebSocket(url);
    socket.on('message', (data) => socket.emit('error', new Error(`refused, yet sent ${String(data)}`)));
    const [code] = (await once(socket, 'close', { signal: AbortSignal.timeout(2000) })) as [number];
    return code;
  }

  /** Sends an object as JSON, or a string / bytes verbatim. */
  send(message: object | string | Uint8Array): void {
    this.socket.send(
      typeof message === 'string' || message instanceof Uint8Array ? message : JSON.stringify(message),
    );
  }

  /** The next frame received, raw and parsed. */
  nextRaw(timeoutMs = 2000): Promise<Received> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    assert.equal(this.waiting, undefined, 'only one next() at a time');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error(`no message within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting = (received) => {
        clearTimeout(timer);
        resolve(received);
      };
    });
  }

  /** The next message, which must be of `type`. */
  async next<T extends ServerMessage['type']>(type: T): Promise<Extract<ServerMessage, { type: T }>> {
    const { message } = await this.nextRaw();
    assert.equal(message.type, type, `expected ${type}, got ${JSON.stringify(message)}`);
    return message as Extract<ServerMessage, { type: T }>;
  }

  /**
   * Asserts nothing is queued for this client: a ping's pong must be the very
   * next frame. Frames the relay sent before it answered our ping arrive
   * before the pong, so this is exact, not a timing guess.
   */
  async quiet(): Promise<void> {
    this.send({ type: 'ping' });
    await this.next('pong');
  }

  /** Joins and returns the welcome. */
  async join(room: string, peer?: string, extra: object = {}) {
    this.send({ type: 'join', room, ...(peer === undefined ? {} : { peer }), ...extra });
    return this.next('welcome');
  }

  /** Closes as a client that goes away does (1000), or with `code`. */
  async close(code = 1000): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    const closed = once(this.socket, 'close');
    this.socket.close(code);
    await closed;
  }
}

/** A bare TCP client that sends `request` as it is, then does nothing a client should; `heard` is what came back. */
export function rawRequest(port: number, request: string) {
  const socket = connect(port, '127.0.0.1', () => socket.write(request));
  let heard = '';
  socket.on('data', (data: Buffer) => (heard += data.toString('latin1')));
  return { socket, heard: () => heard };
}
