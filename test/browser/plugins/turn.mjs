/**
 * WTR server commands that run coturn on loopback (test/node/coturn.ts), so a
 * browser test can take a relay-only call's TURN server away and give it back.
 *
 *   start-turn {port?}  → {port, iceServers}  starts it (again on `port` if given)
 *   stop-turn           → {}                  SIGKILLs it (a crash: no goodbye to clients)
 *
 * One coturn at a time; it is stopped at the end of the run.
 */
import { tsImport } from 'tsx/esm/api';

const { startCoturn } = await tsImport('../../node/coturn.ts', import.meta.url);
const USER = 'p2p';
const PASSWORD = 'p2p-test-secret';

export function turnPlugin() {
  let coturn;

  async function stop() {
    const running = coturn;
    coturn = undefined;
    await running?.stop();
  }

  return {
    name: 'p2p-call:turn',
    async executeCommand({ command, payload }) {
      if (command === 'start-turn') {
        if (coturn) throw new Error('start-turn: coturn is already running');
        coturn = await startCoturn({ user: USER, password: PASSWORD }, payload?.port);
        return { port: coturn.port, iceServers: [{ urls: coturn.url, username: USER, credential: PASSWORD }] };
      }
      if (command === 'stop-turn') {
        await stop();
        return {};
      }
      return undefined;
    },
    serverStop: stop,
  };
}
