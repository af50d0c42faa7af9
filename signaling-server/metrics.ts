/**
 * Prometheus metrics for operators (RelayOptions.metrics), with prom-client.
 * What the relay holds is read when scraped; what it does is counted by the
 * connections as plain integers (Counts), so a frame costs an increment, not
 * a prom-client call, on the relay's hottest path.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry, type Metric } from 'prom-client';
import type { Counts } from './connection.js';
import type { RoomStats } from './rooms.js';

/** What the metrics read from the relay when scraped. */
export interface MetricSources {
  counts: Counts;
  connections(): number;
  stats(): RoomStats;
  healthy(): boolean;
}

const PREFIX = 'p2p_call_relay_';

/**
 * Registers the relay's metrics in `registry`, or in a registry of its own
 * (with the process's CPU, memory and event-loop metrics) for `true`. Returns
 * the registry and what takes the metrics out of it again (close()).
 */
export function registerMetrics(registry: Registry | true, from: MetricSources): { registry: Registry; unregister(): void } {
  const own = registry === true;
  const register = own ? new Registry() : registry;
  if (own) collectDefaultMetrics({ register, prefix: PREFIX });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({ name: PREFIX + name, help, registers: [register], collect() { this.set(read()); } });
  // A counter set from the relay's own count at each scrape.
  const counter = (name: string, help: string, read: () => number) =>
    new Counter({ name: PREFIX + name, help, registers: [register], collect() { this.reset(); this.inc(read()); } });
  const metrics: Metric[] = [
    gauge('connections', 'Open WebSocket connections.', from.connections),
    gauge('rooms', 'Rooms with members connected to this process.', () => from.stats().rooms),
    gauge('peers', 'Room members connected to this process.', () => from.stats().peers),
    gauge('held_offers', 'Offers held for the next joiner, by members connected to this process.', () => from.stats().heldOffers),
    gauge('store_up', '1 while the rooms store answers (always, in memory), 0 while Redis does not.', () => +from.healthy()),
    counter('frames_received_total', 'Frames received from clients.', () => from.counts.frames),
    counter('connections_refused_total', 'Connections refused by authorize() (closed with 4401).', () => from.counts.refused),
    counter('connections_over_limit_total', 'Upgrades turned away by maxConnections or maxConnectionsPerAddress (HTTP 503).', () => from.counts.overLimit),
    new Counter({
      name: `${PREFIX}errors_total`,
      help: 'Error replies by code, and sockets closed because the store did not answer (store-unavailable), or of a relay bug or a throw in authorize() (internal).',
      labelNames: ['code'],
      registers: [register],
      collect() {
        this.reset();
        for (const [code, count] of from.counts.errors) this.inc({ code }, count);
      },
    }),
  ];
  return {
    registry: register,
    unregister: () => metrics.forEach((metric) => register.removeSingleMetric((metric as unknown as { name: string }).name)),
  };
}
