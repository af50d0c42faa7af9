/**
 * A real redis-server for a test file, on a loopback port of its own, with
 * nothing saved to disk; stopped by stop(). Debian's /usr/bin/redis-server
 * (`.ci/run` installs it), or REDIS_SERVER_PATH.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

const REDIS_SERVER = process.env.REDIS_SERVER_PATH || '/usr/bin/redis-server';

export interface RedisServer {
  /** `redis://127.0.0.1:PORT` */
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** `options`: more of redis-server's own, e.g. `['--cluster-enabled', 'yes', …]`. */
export async function startRedisServer(options: string[] = []): Promise<RedisServer> {
  const port = await freePort();
  const child = spawn(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no', ...options],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  const spawned = once(child, 'spawn').catch(() => {
    throw new Error(`cannot run ${REDIS_SERVER} (apt-get install redis-server, or set REDIS_SERVER_PATH)`);
  });
  await spawned;
  const deadline = Date.now() + 5000;
  while (!log.includes('Ready to accept connections')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start on port ${port}:\n${log.slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A port the kernel just handed out and released: free, barring a race with another process. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}
