/** Start one server kind in a child process (see child.ts) and talk to it over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { BENCH, withTimeout } from '../lib/util.js';

export type ServerKind = 'raw' | 'raw-held' | 'raw-call' | 'p2p-call' | 'p2p-call-redis' | 'y-webrtc' | 'peerjs';

export interface ServerStats {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** Committed bytes of V8's young generation (new space). */
  youngGen: number;
  cpuUser: number;
  cpuSystem: number;
  /** The server's GC pauses since its previous stats reply: start (epoch ms), duration (ms) and kind (gc-pauses.ts). */
  gcPauses: { at: number; ms: number; kind?: number }[];
  extra?: unknown;
}

export interface ServerHandle {
  kind: ServerKind;
  port: number;
  pid: number;
  url: string;
  stats(gc?: boolean): Promise<ServerStats>;
  close(): Promise<void>;
}

/**
 * BENCH_CPU_PROF=<kind> writes a V8 CPU profile of that server kind's children to bench/.tmp/prof/
 * (open it in Chrome DevTools → Performance, or summarise it with bench/relay/profile-summary.ts).
 */
export async function startServer(kind: ServerKind, opts: { host?: string } = {}): Promise<ServerHandle> {
  const host = opts.host ?? '127.0.0.1';
  const execArgv = ['--expose-gc', '--import', 'tsx'];
  // BENCH_SERVER_NODE_ARGS="--max-semi-space-size=1" tries node flags on the servers (all kinds).
  execArgv.push(...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean));
  if (process.env.BENCH_CPU_PROF === kind) execArgv.push('--cpu-prof', `--cpu-prof-dir=${join(BENCH, '.tmp', 'prof')}`);
  const child: ChildProcess = fork(join(BENCH, 'relay', 'child.ts'), [kind], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const port = await withTimeout(
    new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`${kind} server exited early (code ${code})`)));
      const onMsg = (m: { type: string; port?: number }) => {
        if (m.type === 'ready') {
          child.off('message', onMsg);
          resolve(m.port!);
        }
      };
      child.on('message', onMsg);
    }),
    20_000,
    `${kind} server start`,
  ).catch((e) => {
    child.kill('SIGKILL');
    throw e;
  });
  let queue = Promise.resolve() as Promise<unknown>;
  return {
    kind,
    port,
    pid: child.pid!,
    url: `ws://${host}:${port}`,
    stats(gc = false) {
      const p = queue.then(() =>
        withTimeout(
          new Promise<ServerStats>((resolve) => {
            const onMsg = (m: ServerStats & { type: string }) => {
              if (m.type === 'stats') {
                child.off('message', onMsg);
                resolve(m);
              }
            };
            child.on('message', onMsg);
            child.send({ type: 'stats', gc });
          }),
          15_000,
          `${kind} stats`,
        ),
      );
      queue = p.catch(() => {});
      return p;
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        child.send({ type: 'close' });
      } catch {
        /* already gone */
      }
      await withTimeout(exited, 5_000, `${kind} exit`).catch(() => {
        child.kill('SIGKILL');
        return exited;
      });
    },
  };
}
