#!/usr/bin/env node
/**
 * `npm run relay` / `p2p-call-relay`: options, or the same settings from the
 * environment (PORT, HOST, ...), one line on stdout once listening, a clean exit on
 * SIGINT/SIGTERM. With REDIS_URL, every relay given the same Redis serves the
 * same rooms. A mistake (a mistyped option, a bad port, a port in use) is one
 * line on stderr, not a stack trace, and nothing is started.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { MAX_MESSAGE_BYTES } from '../src/protocol/messages.js';
import { MAX_PEERS, MIN_PEERS } from '../src/protocol/limits.js';
import { createRelay, DEFAULT_HOST, DEFAULT_MAX_PEERS, DEFAULT_PORT, tokenAuthorizer, type RateLimit, type RelayOptions } from './index.js';

const USAGE = `Usage: p2p-call-relay [--port N] [--host ADDRESS] [--max-peers N] [--redis URL] [more options]

The signaling relay of <p2p-call>: WebSocket, the protocol in docs/protocol.md.

  --port N        port to listen on (env PORT; default ${DEFAULT_PORT}; 0 = any free port)
  --host ADDRESS  address to listen on (env HOST; default ${DEFAULT_HOST}; 0.0.0.0 = every interface)
  --max-peers N   the most people in one room (env MAX_PEERS; default ${DEFAULT_MAX_PEERS}); a page's max-peers can only lower it
  --redis URL     share rooms with every relay given the same Redis (env REDIS_URL)
  -h, --help      this text

TURN for the calls, without a password in any page: the relay hands every client fresh credentials for a coturn
started with use-auth-secret and static-auth-secret=SECRET (valid a day; coturn checks them at allocation).
  --turn URLS                the TURN server's turn:/turns: URLs, comma-separated (env TURN_URLS)
  --turn-secret-file FILE    coturn's static-auth-secret, in FILE (env TURN_SECRET: the secret itself)
On a public relay, require tokens too (below): otherwise anyone who can reach the relay gets TURN credentials.

Who may join (default: anyone who knows a room's name). Your site signs a JWT naming the rooms (claim
"room" or "rooms"; neither opens every room; "exp" is required and checked) and the page passes it in the address:
server="wss://relay.example?token=JWT". Sockets without a valid token are closed with 4401, joins to other rooms get "forbidden".
  --token-secret-file FILE   tokens signed HS256/384/512 with the secret in FILE, at least 32 bytes
                             (env TOKEN_SECRET: the secret itself)
  --token-public-key FILE    tokens signed RS*/PS*/ES*/EdDSA, verified with the PEM public key in FILE
                             (env TOKEN_PUBLIC_KEY: the PEM itself)

More, for operators (defaults suit a public relay):
  --heartbeat-ms N           ping every socket this often; one that misses a ping is dropped
                             (env HEARTBEAT_MS; default 5000)
  --rate-limit RATE[,BURST]  what one socket may send: BURST KB at once, then RATE KB a second, a message
                             counting 1 per KB it started; "off" for no limit (env RATE_LIMIT; default
                             100,500; BURST defaults to 5 s of RATE)
  --max-connections N        the most sockets this process keeps open; past it, new ones get HTTP 503 and
                             clients retry later (env MAX_CONNECTIONS; default 10000)
  --max-connections-per-address N
                             the most sockets from one IP address or IPv6 /64 (env MAX_CONNECTIONS_PER_ADDRESS; default
                             none). Behind a proxy every socket comes from the proxy: limit them there instead
  --redis-timeout-ms N       with --redis: a frame Redis does not answer in this long closes its socket
                             with 1013 (try again later), and the client comes back (env REDIS_TIMEOUT_MS;
                             default 5000)
  --redis-prefix TEXT        with --redis: put before every key and channel (env REDIS_PREFIX; default
                             p2p-call:). Relays share rooms only under the same prefix: give a new version its own
  --redis-node-ttl-ms N      with --redis: a relay not heard from in this long is gone, and its members leave
                             their rooms (env REDIS_NODE_TTL_MS; default 15000)

Health check for load balancers: GET /healthz, 200 with this process's stats, 503 while Redis does not answer.
  --metrics                  Prometheus metrics at GET /metrics: connections, rooms, frames, errors by code,
                             the process's CPU and memory (env METRICS=1)
`;

/** listen()'s errors for a host that is no name or address of this machine. */
const BAD_HOST = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL']);

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
        'heartbeat-ms': { type: 'string' },
        'rate-limit': { type: 'string' },
        'max-connections': { type: 'string' },
        'max-connections-per-address': { type: 'string' },
        'redis-timeout-ms': { type: 'string' },
        'redis-prefix': { type: 'string' },
        'redis-node-ttl-ms': { type: 'string' },
        turn: { type: 'string' },
        'turn-secret-file': { type: 'string' },
        'token-secret-file': { type: 'string' },
        'token-public-key': { type: 'string' },
        metrics: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    // One line: parseArgs explains over three (a value that starts with "-", say).
    return fail((error as Error).message.replace(/\s*\n\s*/g, ' '));
  }
}

const options = readOptions();
if (options.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

/** An option's whole number within [min, max], or `fallback` when it is not given. */
function wholeNumber<F extends number | undefined>(text: string | undefined, what: string, [min, max]: [number, number], fallback: F): number | F {
  if (!text) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    fail(`${what} must be a whole number from ${min} to ${max}, not "${text}"`);
  return value;
}

/** The largest frame must fit in a burst, or it could never pass. */
const MIN_BURST_KB = Math.ceil(MAX_MESSAGE_BYTES / 1024);

/** `--rate-limit`: "off", "RATE" or "RATE,BURST" in KB. */
function rateLimit(text: string | undefined): RateLimit | false | undefined {
  if (!text) return undefined;
  if (text === 'off') return false;
  const [rate = '', burst, extra] = text.split(',');
  const kbPerSecond = Number(rate);
  const burstKb = burst === undefined ? Math.max(MIN_BURST_KB, 5 * kbPerSecond) : Number(burst);
  if (extra !== undefined || !(Number.isInteger(kbPerSecond) && kbPerSecond >= 1) || !(Number.isInteger(burstKb) && burstKb >= MIN_BURST_KB))
    fail(`the rate limit must be "off", or RATE or RATE,BURST in whole KB (RATE at least 1, BURST at least ${MIN_BURST_KB}, the largest message), not "${text}"`);
  return { kbPerSecond, burstKb };
}

const port = wholeNumber(options.port ?? process.env.PORT, 'the port', [0, 65535], DEFAULT_PORT);
const maxPeersPerRoom = wholeNumber(options['max-peers'] ?? process.env.MAX_PEERS, 'max-peers', [MIN_PEERS, MAX_PEERS], DEFAULT_MAX_PEERS);
const host = options.host || process.env.HOST || DEFAULT_HOST;
const heartbeatMs = wholeNumber(options['heartbeat-ms'] ?? process.env.HEARTBEAT_MS, 'heartbeat-ms', [100, 3_600_000], undefined);
const limit = rateLimit(options['rate-limit'] ?? process.env.RATE_LIMIT);
const maxConnections = wholeNumber(options['max-connections'] ?? process.env.MAX_CONNECTIONS, 'max-connections', [1, 1e7], undefined);
const maxConnectionsPerAddress = wholeNumber(
  options['max-connections-per-address'] ?? process.env.MAX_CONNECTIONS_PER_ADDRESS, 'max-connections-per-address', [1, 1e7], undefined);
const redisUrl = options.redis || process.env.REDIS_URL || undefined;
/** An option only a relay sharing rooms through Redis reads: given without `--redis`, a mistake to say. */
function redisOption(option: 'redis-timeout-ms' | 'redis-prefix' | 'redis-node-ttl-ms', env: string | undefined): string | undefined {
  const text = options[option] ?? env;
  if (text && !redisUrl) fail(`${option} is for relays sharing rooms through Redis; give --redis URL too`);
  return text || undefined;
}
const commandTimeoutMs = wholeNumber(redisOption('redis-timeout-ms', process.env.REDIS_TIMEOUT_MS), 'redis-timeout-ms', [100, 600_000], undefined);
const prefix = redisOption('redis-prefix', process.env.REDIS_PREFIX);
const nodeTtlMs = wholeNumber(redisOption('redis-node-ttl-ms', process.env.REDIS_NODE_TTL_MS), 'redis-node-ttl-ms', [1000, 3_600_000], undefined);
const redis = redisUrl ? { url: redisUrl, commandTimeoutMs, prefix, nodeTtlMs } : undefined;

/** A file's text, or a one-line failure naming the option. */
function readKeyFile(file: string, option: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    return fail(`cannot read the ${option} file: ${(error as Error).message}`);
  }
}

/** A secret from `option`'s file (its last newline is an editor's, not the secret's) or else from the environment. */
function secretOf(option: 'token-secret-file' | 'turn-secret-file', env: string | undefined): string | undefined {
  const file = options[option];
  return file ? readKeyFile(file, `--${option}`).replace(/\r?\n$/, '') : env || undefined;
}

/** `--turn` and `--turn-secret-file` (or their env vars), both or neither. */
function turn(): RelayOptions['turn'] {
  const urls = options.turn || process.env.TURN_URLS || undefined;
  const secret = secretOf('turn-secret-file', process.env.TURN_SECRET);
  if (!urls && !secret) return undefined;
  if (!urls || !secret) fail('TURN needs both its URLs (--turn or TURN_URLS) and its secret (--turn-secret-file or TURN_SECRET)');
  return { urls: urls.split(',').map((url) => url.trim()), secret };
}

/** `--token-secret-file` or `--token-public-key` (or their env vars): authorize() by signed tokens. */
function tokens(): RelayOptions['authorize'] {
  const keyFile = options['token-public-key'];
  const secret = secretOf('token-secret-file', process.env.TOKEN_SECRET);
  const publicKey = keyFile ? readKeyFile(keyFile, '--token-public-key') : process.env.TOKEN_PUBLIC_KEY || undefined;
  if (secret === undefined && publicKey === undefined) return undefined;
  try {
    return tokenAuthorizer({ secret, publicKey });
  } catch (error) {
    return fail((error as Error).message);
  }
}
const authorize = tokens();

const turnServer = turn();
/** METRICS: 1 or 0 (true/false, yes/no); anything else is a mistake to say, not to read as off. */
function metricsFromEnv(text = ''): boolean {
  if (/^(1|true|yes)$/i.test(text)) return true;
  if (/^(0|false|no|)$/i.test(text)) return false;
  return fail(`METRICS must be 1 or 0, not "${text}"`);
}
const metrics = options.metrics || metricsFromEnv(process.env.METRICS) || undefined;
const relay = await createRelay({
  port, host, maxPeersPerRoom, heartbeatMs, rateLimit: limit, maxConnections, maxConnectionsPerAddress, redis, authorize, turn: turnServer, metrics,
}).catch((error: NodeJS.ErrnoException) =>
  fail(
    error.code === 'EADDRINUSE'
      ? `port ${port} on ${host} is in use (another relay?); choose another with --port or PORT`
      : BAD_HOST.has(error.code!)
        ? `cannot listen on host "${host}" (${error.code}): give one of this machine's addresses or names with --host or HOST`
        : error.message, // e.g. an unreachable Redis, or a TURN URL that is not one
    // A bad option's value (createRelay checks the TURN URLs, listen() the host) is a usage mistake too.
    error instanceof TypeError || error instanceof RangeError || BAD_HOST.has(error.code!) ? 2 : 1,
  ),
);
const notes = [redis && 'rooms shared through Redis', authorize && 'a signed token needed to join', turnServer && 'TURN credentials handed out', metrics && 'metrics at /metrics'].filter(Boolean);
console.log(`p2p-call relay listening on ${relay.url}${notes.length ? ` (${notes.join('; ')})` : ''}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void relay.close().then(() => process.exit(0)));
}
