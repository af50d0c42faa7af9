#!/usr/bin/env node
/**
 * `npm run relay` / `p2p-call-relay`: options or PORT, HOST, MAX_PEERS and REDIS_URL from
 * the environment, one line on stdout once listening, a clean exit on
 * SIGINT/SIGTERM. With REDIS_URL, every relay given the same Redis serves the
 * same rooms. A mistake (a mistyped option, a bad port, a port in use) is one
 * line on stderr, not a stack trace, and nothing is started.
 */
import { parseArgs } from 'node:util';
import { createRelay, DEFAULT_HOST, DEFAULT_MAX_PEERS, DEFAULT_PORT } from './index.js';

const USAGE = `Usage: p2p-call-relay [--port N] [--host ADDRESS] [--max-peers N] [--redis URL]

The signaling relay of <p2p-call>: WebSocket, the protocol in docs/protocol.md.

  --port N        port to listen on (env PORT; default ${DEFAULT_PORT}; 0 = any free port)
  --host ADDRESS  address to listen on (env HOST; default ${DEFAULT_HOST}; 0.0.0.0 = every interface)
  --max-peers N   the most people in one room (env MAX_PEERS; default ${DEFAULT_MAX_PEERS}); a page's max-peers can only lower it
  --redis URL     share rooms with every relay given the same Redis (env REDIS_URL)
  -h, --help      this text
`;

/** Says what is wrong in one line and exits: 2 for a usage mistake, as shells expect. */
function fail(message: string, code = 2): never {
  console.error(`p2p-call-relay: ${message}${code === 2 ? ' (see --help)' : ''}`);
  process.exit(code);
}

function readOptions() {
  try {
    return parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'max-peers': { type: 'string' },
        redis: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    return fail((error as Error).message);
  }
}

const options = readOptions();
if (options.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

/** An option's whole number within [min, max], or `fallback` when it is not given. */
function wholeNumber(text: string | undefined, what: string, [min, max]: [number, number], fallback: number): number {
  if (!text) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    fail(`${what} must be a whole number from ${min} to ${max}, not "${text}"`);
  return value;
}

const port = wholeNumber(options.port ?? process.env.PORT, 'the port', [0, 65535], DEFAULT_PORT);
const maxPeersPerRoom = wholeNumber(options['max-peers'] ?? process.env.MAX_PEERS, 'max-peers', [2, 64], DEFAULT_MAX_PEERS);
const host = options.host || process.env.HOST || DEFAULT_HOST;
const redis = options.redis || process.env.REDIS_URL || undefined;

const relay = await createRelay({ port, host, maxPeersPerRoom, redis }).catch((error: NodeJS.ErrnoException) =>
  fail(
    error.code === 'EADDRINUSE'
      ? `port ${port} on ${host} is in use (another relay?); choose another with --port or PORT`
      : error.message, // e.g. an unreachable Redis
    1,
  ),
);
console.log(`p2p-call relay listening on ${relay.url}${redis ? ' (rooms shared through Redis)' : ''}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void relay.close().then(() => process.exit(0)));
}
