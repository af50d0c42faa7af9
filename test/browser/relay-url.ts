/**
 * The URL of the relay that web-test-runner.config.mjs starts for this run
 * (createRelay({ port: 0 })). Use: import { relayUrl } from './relay-url.js';
 */
// '/__relay.js' is served by the config's relay plugin; the cast keeps tsc from resolving it.
const served = (await import('/__relay.js' as string)) as { relayUrl: string };

export const relayUrl: string = served.relayUrl;
