// The floor's relay for a call: the least a relay can do. The first socket of a room (…?room=R&role=host)
// sends its offer once; it is held. A joiner (…?room=R) gets the held offer pushed as soon as it
// connects (no join round trip), and from then on the two sockets' frames are forwarded untouched.
import { WebSocketServer, type WebSocket } from 'ws';
export function startRawCallRelay(port = 0, host = '127.0.0.1'): Promise<{ port: number; close(): void }> {
  const wss = new WebSocketServer({ port, host }), rooms = new Map<string, { host: WebSocket; offer?: Buffer; peer?: WebSocket }>();
  wss.on('connection', (ws, req) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams, room = q.get('room') ?? '';
    if (q.get('role') === 'host') {
      const r: { host: WebSocket; offer?: Buffer; peer?: WebSocket } = { host: ws };
      rooms.set(room, r);
      ws.on('message', (d) => (r.peer ? r.peer.send(d as Buffer, { binary: false }) : (r.offer = d as Buffer)));
    } else {
      const r = rooms.get(room);
      if (!r?.offer) return void ws.close(4004, 'no held offer');
      (r.peer = ws).send(r.offer, { binary: false });
      ws.on('message', (d) => r.host.send(d as Buffer, { binary: false }));
    }
  });
  return new Promise((ok) => wss.on('listening', () => ok({ port: (wss.address() as { port: number }).port, close: () => wss.close() })));
}
