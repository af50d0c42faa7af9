/**
 * A real coturn (Debian's /usr/bin/turnserver, or TURNSERVER_PATH; `.ci/run`
 * installs it) on a loopback port of its own, for tests that need TURN: with
 * a fixed user and password, or with a shared secret (`use-auth-secret`, the
 * credentials a relay hands out). Recipe: shared/notes/browser-testing.md,
 * "TURN on loopback".
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const TURNSERVER = process.env.TURNSERVER_PATH || '/usr/bin/turnserver';

export interface Coturn {
  port: number;
  /** `turn:127.0.0.1:PORT` */
  url: string;
  /** What it printed, for a failure message. */
  log(): string;
  /** SIGKILL: a crash, no goodbye to clients. */
  stop(): Promise<void>;
}

export type CoturnAuth = { user: string; password: string } | { secret: string };

/** Starts coturn on `port` (a free one if not given) and resolves once it accepts. */
export async function startCoturn(auth: CoturnAuth, port?: number): Promise<Coturn> {
  const listening = port ?? (await freePort());
  const dir = mkdtempSync(path.join(tmpdir(), 'p2p-call-turn-'));
  // A relay-port range of its own, so two runs on this machine do not fight over ports.
  const minPort = 40000 + (listening % 200) * 100;
  const child = spawn(
    TURNSERVER,
    [
      '-n',
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${listening}`,
      `--min-port=${minPort}`,
      `--max-port=${minPort + 99}`,
      ...('secret' in auth
        ? ['--use-auth-secret', `--static-auth-secret=${auth.secret}`]
        : ['--lt-cred-mech', `--user=${auth.user}:${auth.password}`]),
      '--realm=p2p-call.test',
      '--fingerprint',
      '--no-tls',
      '--no-dtls',
      '--allow-loopback-peers',
      '--no-cli',
      '--log-file=stdout',
      '--simple-log',
      `--userdb=${path.join(dir, 'turndb')}`,
      `--pidfile=${path.join(dir, 'turn.pid')}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill); // never left behind by a test run that ends abruptly
  const stop = async () => {
    process.off('exit', kill);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      kill();
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Ready when its TCP listener accepts (it opens UDP and TCP together).
  const deadline = Date.now() + 5000;
  while (!(await accepts(listening))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`coturn did not start on ${listening} (${TURNSERVER}; apt-get install coturn):\n${log.slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { port: listening, url: `turn:127.0.0.1:${listening}`, log: () => log, stop };
}

/** A port free for both TCP and UDP on 127.0.0.1. */
async function freePort(): Promise<number> {
  for (let tries = 0; tries < 20; tries++) {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    server.close();
    await once(server, 'close');
    const udp = createSocket('udp4');
    try {
      udp.bind(port, '127.0.0.1');
      await once(udp, 'listening');
      return port;
    } catch {
      /* taken for UDP: try another */
    } finally {
      try {
        udp.close();
      } catch {
        /* never bound */
      }
    }
  }
  throw new Error('no free port for coturn');
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
