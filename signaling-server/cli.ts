#!/usr/bin/env node
/**
 * `npm run relay` / `p2p-call-relay`: options or PORT, HOST and REDIS_URL from
 * the environment, one line on stdout once listening, a clean exit on
 * SIGINT/SIGTERM. With REDIS_URL, every relay given the same Redis serves the
 * same rooms. A mistake (a mistyped option, a bad port, a port in use) is one
 * line on stderr, not a stack trace, and nothing is started.
 */
import { parseArgs } from 'node:util';
import { createRelay, DEFAULT_HOST, DEFAULT_PORT } from './index.js';

const USAGE = `Usage: p2p-call-relay [--port N] [--host ADDRESS] [--redis URL]

The signaling relay of <p2p-call>: WebSocket, the protocol in docs/protocol.md.

  --port N        port to listen on (env PORT; default ${DEFAULT_PORT}; 0 = any free port)
  --host ADDRESS  address to listen on (env HOST; default ${DEFAULT_HOST}; 0.0.0.0 = every interface)
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

const portText = options.port ?? process.env.PORT ?? '';
const port = portText ? Number(portText) : DEFAULT_PORT;
if (!Number.isInteger(port) || port < 0 || port > 65535)
  fail(`the port must be a whole number from 0 to 65535, not "${portText}"`);
const host = options.host || process.env.HOST || DEFAULT_HOST;
const redis = options.redis || process.env.REDIS_URL || undefined;

const relay = await createRelay({ port, host, redis }).catch((error: NodeJS.ErrnoException) =>
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
