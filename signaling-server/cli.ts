#!/usr/bin/env node
/**
 * `npm run relay` / `p2p-call-relay`: PORT and HOST from the environment,
 * one line on stdout once listening, a clean exit on SIGINT/SIGTERM.
 */
import { createRelay, DEFAULT_HOST, DEFAULT_PORT } from './index.js';

const relay = await createRelay({
  port: process.env.PORT ? Number(process.env.PORT) : DEFAULT_PORT,
  host: process.env.HOST || DEFAULT_HOST,
});
console.log(`p2p-call relay listening on ${relay.url}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void relay.close().then(() => process.exit(0)));
}
