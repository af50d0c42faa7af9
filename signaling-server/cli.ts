#!/usr/bin/env node
/**
 * `npm run relay` / `p2p-call-relay`: PORT, HOST and REDIS_URL from the
 * environment, one line on stdout once listening, a clean exit on SIGINT/SIGTERM.
 * With REDIS_URL, every relay given the same Redis serves the same rooms.
 */
import { createRelay, DEFAULT_HOST, DEFAULT_PORT } from './index.js';

const redis = process.env.REDIS_URL || undefined;
const relay = await createRelay({
  port: process.env.PORT ? Number(process.env.PORT) : DEFAULT_PORT,
  host: process.env.HOST || DEFAULT_HOST,
  redis,
}).catch((error: Error) => {
  // A port in use or an unreachable Redis: one line, not a stack trace.
  console.error(error.message);
  process.exit(1);
});
console.log(`p2p-call relay listening on ${relay.url}${redis ? ' (rooms shared through Redis)' : ''}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void relay.close().then(() => process.exit(0)));
}
