/**
 * WTR server commands that run coturn on loopback, so a browser test can take
 * a relay-only call's TURN server away and give it back (recipe:
 * shared/notes/browser-testing.md, "TURN on loopback").
 *
 *   start-turn {port?}  → {port, iceServers}  starts it (again on `port` if given)
 *   stop-turn           → {}                  SIGKILLs it (a crash: no goodbye to clients)
 *
 * One coturn at a time; it is stopped by its PID at the end of the run.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const TURNSERVER = process.env.TURNSERVER_PATH || '/usr/bin/turnserver';
const USER = 'p2p';
const PASSWORD = 'p2p-test-secret';

export function turnPlugin() {
  let child;
  let port;
  let dir;
  let log = '';

  async function start(wanted) {
    if (child) throw new Error('start-turn: coturn is already running');
    port = wanted ?? (await freePort());
    dir ??= mkdtempSync(path.join(tmpdir(), 'p2p-call-turn-'));
    // A relay-port range of its own, so two runs on this machine do not fight over ports.
    const minPort = 40000 + (port % 200) * 100;
    log = '';
    child = spawn(
      TURNSERVER,
      [
        '-n',
        '--listening-ip=127.0.0.1',
        '--relay-ip=127.0.0.1',
        `--listening-port=${port}`,
        `--min-port=${minPort}`,
        `--max-port=${minPort + 99}`,
        '--lt-cred-mech',
        `--user=${USER}:${PASSWORD}`,
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
    const mine = child;
    mine.stdout.on('data', (chunk) => (log += chunk));
    mine.stderr.on('data', (chunk) => (log += chunk));
    mine.once('exit', () => {
      if (child === mine) child = undefined;
    });
    // Ready when its TCP listener accepts (it opens UDP and TCP together).
    const deadline = Date.now() + 5000;
    while (!(await accepts(port))) {
      if (mine.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`coturn did not start on ${port}:\n${log.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return {
      port,
      iceServers: [{ urls: `turn:127.0.0.1:${port}`, username: USER, credential: PASSWORD }],
    };
  }

  async function stop() {
    const running = child;
    if (!running) return;
    child = undefined;
    if (running.exitCode === null && running.signalCode === null) {
      const exited = once(running, 'exit');
      process.kill(running.pid, 'SIGKILL');
      await exited;
    }
  }

  const onExit = () => {
    try {
      if (child?.pid) process.kill(child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  process.once('exit', onExit);

  return {
    name: 'p2p-call:turn',
    async executeCommand({ command, payload }) {
      if (command === 'start-turn') return start(payload?.port);
      if (command === 'stop-turn') {
        await stop();
        return {};
      }
      return undefined;
    },
    async serverStop() {
      await stop();
      process.off('exit', onExit);
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A port free for both TCP and UDP on 127.0.0.1. */
async function freePort() {
  for (let tries = 0; tries < 20; tries++) {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address();
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

function accepts(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
