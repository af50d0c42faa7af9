/**
 * A relay that is far away: a WebSocket proxy in front of a relay on this machine that makes every
 * signaling exchange take `oneWayMs` each way, as if the relay were across the internet while the two
 * browsers (and their media) stay on loopback. Any WebSocket relay works behind it (p2p-call's, the
 * floor's, PeerJS's): the URL, with its query, and every frame pass through unchanged.
 *
 * Timeline for a client at distance D: its TCP handshake and upgrade request reach the relay at 3D
 * (SYN, SYN-ACK, request), the relay's 101 reaches it at 4D (`open`); every frame then takes D.
 */
import http from 'node:http';
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';

export interface FarRelay {
  url: string;
  port: number;
  close(): void;
}

export async function farRelay(target: string, oneWayMs: number): Promise<FarRelay> {
  const later = (fn: () => void, ms = oneWayMs) => setTimeout(fn, ms);
  const wss = new WebSocketServer({ noServer: true });
  const server = http.createServer();
  server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    // Relay → client frames that arrive before the client's socket is up wait for it.
    let client: WebSocket | undefined;
    const toClient: string[] = [];
    const toRelay: string[] = [];
    socket.on('error', () => {});
    later(() => {
      const relay = new WebSocket(target + request.url);
      relay.on('error', () => {});
      relay.on('message', (data: RawData) => {
        const frame = data.toString();
        later(() => (client ? client.readyState === WebSocket.OPEN && client.send(frame) : toClient.push(frame)));
      });
      relay.on('open', () => toRelay.splice(0).forEach((frame) => relay.send(frame)));
      relay.on('close', () => later(() => client?.close()));
      later(() =>
        wss.handleUpgrade(request, socket, head, (ws) => {
          client = ws;
          toClient.splice(0).forEach((frame) => ws.send(frame));
          ws.on('message', (data: RawData) => {
            const frame = data.toString();
            later(() => (relay.readyState === WebSocket.OPEN ? relay.send(frame) : toRelay.push(frame)));
          });
          ws.on('close', () => later(() => relay.close()));
          ws.on('error', () => {});
        }),
      );
    }, 3 * oneWayMs);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    close: () => {
      for (const ws of wss.clients) ws.terminate();
      server.closeAllConnections();
      server.close();
    },
  };
}
