#!/usr/bin/env node
/**
 * npm start: the relay (in-process, createRelay) + a Vite dev server for demo/,
 * then ONE line with the URL to open. Ctrl-C stops both.
 *
 * Env: PORT       relay port (default 8787)
 *      HOST       where both listen (default 127.0.0.1; camera access needs
 *                 127.0.0.1/localhost or https, so keep the default unless you know why)
 *      DEMO_PORT  web port (default 5173; the next free one is used if taken)
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { createServer } from 'vite';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const host = process.env.HOST || '127.0.0.1';
const relayPort = process.env.PORT ? Number(process.env.PORT) : 8787;
const demoPort = process.env.DEMO_PORT ? Number(process.env.DEMO_PORT) : 5173;

const { createRelay } = await tsImport('../signaling-server/index.ts', import.meta.url);

let relay;
try {
  relay = await createRelay({ port: relayPort, host });
} catch (err) {
  console.error(
    err?.code === 'EADDRINUSE'
      ? `Port ${relayPort} is taken (another relay or npm start?). Stop it, or run: PORT=8788 npm start`
      : err,
  );
  process.exit(1);
}

const vite = await createServer({
  configFile: false,
  root,
  logLevel: 'warn',
  clearScreen: false,
  appType: 'mpa',
  server: { host, port: demoPort, strictPort: false },
  plugins: [
    {
      name: 'p2p-call:demo-at-root',
      configureServer(server) {
        // "/" and "/?room=x" → the demo (keeping the query).
        server.middlewares.use((req, res, next) => {
          const url = new URL(req.url ?? '/', 'http://x');
          if (url.pathname !== '/') return next();
          res.statusCode = 302;
          res.setHeader('Location', `/demo/${url.search}`);
          res.end();
        });
      },
    },
  ],
});
await vite.listen();

const words = ['calm', 'bright', 'brave', 'quick', 'sunny', 'lucky', 'otter', 'maple', 'comet', 'river', 'cedar', 'robin'];
const room = `${words[Math.floor(Math.random() * 6)]}-${words[6 + Math.floor(Math.random() * 6)]}-${10 + Math.floor(Math.random() * 90)}`;
const web = vite.resolvedUrls?.local[0] ?? `http://${host}:${vite.config.server.port}/`;
const query = new URLSearchParams({ room });
// demo.js defaults to ws://<page host>:8787; say so only when the relay is elsewhere.
if (new URL(relay.url).port !== '8787' || host !== '127.0.0.1') query.set('server', relay.url);
console.log(`Open ${new URL(`/?${query}`, web)} in two tabs   (relay ${relay.url}, Ctrl-C to stop)`);

let stopping = false;
async function stop() {
  if (stopping) return process.exit(1); // second Ctrl-C: now
  stopping = true;
  // Both servers live in this process, so exiting stops them; closing first is
  // politeness (relay peers get a close). Never let a slow close block Ctrl-C.
  setTimeout(() => process.exit(0), 2000).unref();
  await Promise.allSettled([vite.close(), relay.close()]);
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
