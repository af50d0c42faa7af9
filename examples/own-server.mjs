#!/usr/bin/env node
/**
 * The relay inside your own web server: one port for the page and the call,
 * the element told `server="/relay?token=…"`, and only pages this server
 * handed out may connect, each to the room it was handed out for.
 *
 *   npm run build && node examples/own-server.mjs     (PORT=8080 by default)
 *
 * Each page load gets a token for its room; authorize() lets in only sockets
 * that bring one, and only to that room. A real site would check its own
 * session cookie there instead, and who may see which room. Tokens live in
 * this process: restart it and every page's token is refused (p2p-error
 * `unauthorized`), so the page fetches a new one and its call goes on.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRelay } from 'p2p-call/relay'; // this package, by its own name (npm i p2p-call elsewhere)

const dropIn = await readFile(new URL('../dist/p2p-call.js', import.meta.url));
/** token → the room it was handed out for */
const tokens = new Map();
/**
 * How long a token lets sockets in: forgotten after that, or anyone could fill
 * this process's memory by asking for tokens. A page still in a call then gets
 * `unauthorized` at its next reconnection, fetches a new one, and goes on.
 */
const TOKEN_TTL_MS = 10 * 60_000;

const page = (room, token) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>p2p-call on its own server</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<script type="module" src="/p2p-call.js"></script>
</head><body style="font-family: system-ui; max-width: 720px; margin: 2rem auto">
<h1>Room “${room}”</h1>
<p>Open this address in a second tab to join the call.</p>
<p2p-call room="${room}" server="/relay?token=${token}"></p2p-call>
<script type="module">
  // The server no longer takes this page's token: ask for a new one. In a call, the call goes on.
  const call = document.querySelector('p2p-call');
  call.addEventListener('p2p-error', async ({ detail }) => {
    if (detail.code === 'unauthorized') call.server = '/relay?token=' + (await (await fetch('/token?room=${room}')).text());
  });
</script>
</body></html>`;

/** A request's target as a URL; undefined for one no URL parser takes (`//[`), where `new URL` would throw and end the process. */
const target = (request) => (URL.canParse(request.url, 'http://site') ? new URL(request.url, 'http://site') : undefined);

const server = createServer((request, response) => {
  const url = target(request);
  // Room names are kept simple, since they go into the page's HTML; one that is not is refused,
  // not swapped for another room, which would put you in someone else's call.
  const room = url?.searchParams.get('room') ?? 'lobby';
  if (!url) {
    response.writeHead(400).end();
  } else if (url.pathname === '/p2p-call.js') {
    response.writeHead(200, { 'content-type': 'text/javascript' }).end(dropIn);
  } else if (!/^[\w-]{1,64}$/.test(room)) {
    response.writeHead(400, { 'content-type': 'text/plain' }).end('A room name here is 1 to 64 letters, digits, - or _.\n');
  } else if (url.pathname === '/' || url.pathname === '/token') {
    const token = randomUUID(); // a real site: only for a room this visitor's session may see
    tokens.set(token, room);
    setTimeout(() => tokens.delete(token), TOKEN_TTL_MS).unref();
    if (url.pathname === '/token') response.writeHead(200, { 'content-type': 'text/plain' }).end(token);
    else response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(room, token));
  } else {
    response.writeHead(404).end();
  }
});

await createRelay({
  server,
  authorize(request) {
    const room = tokens.get(target(request)?.searchParams.get('token'));
    // No token: closed with 4401 (the element says `unauthorized`). A token: in, but a join to any other room gets `forbidden`.
    return room !== undefined && ((wanted) => wanted === room);
  },
});
server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1', () =>
  console.log(`Open http://127.0.0.1:${server.address().port}/?room=lobby in two tabs`),
);
