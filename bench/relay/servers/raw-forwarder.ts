// The floor: a raw ws forwarder. Two sockets with the same URL (e.g. /?pair=17) are partners; every
// frame is forwarded, bytes untouched, to the partner. No parsing, no validation, no rooms.
import { WebSocketServer, type WebSocket } from 'ws';
export function startRawForwarder(port = 0, host = '127.0.0.1'): Promise<{ port: number; close(): void }> {
  const wss = new WebSocketServer({ port, host }), waiting = new Map<string, WebSocket>();
  wss.on('connection', (ws, req) => {
    const key = req.url ?? '/', partner = waiting.get(key);
    if (!partner) return void (waiting.set(key, ws), ws.once('close', () => waiting.get(key) === ws && waiting.delete(key)));
    waiting.delete(key);
    ws.on('message', (data, isBinary) => partner.send(data as Buffer, { binary: isBinary }));
    partner.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
    for (const s of [ws, partner]) s.send('{"type":"paired"}');
  });
  return new Promise((ok) => wss.on('listening', () => ok({ port: (wss.address() as { port: number }).port, close: () => wss.close() })));
}
