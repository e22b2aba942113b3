// Where a running host keeps its control socket, pid file, log and durable state.
// Everything lives under $STRATUS_HOME so two homes never see each other's host.
import { join } from 'node:path';
import { stratusHome } from '../core/home.js';

export interface ControlPaths {
  home: string;
  /** Unix domain socket of the local control API (mode 0600). */
  socket: string;
  pidFile: string;
  /** Log of a `stratus up --detached` host. */
  logFile: string;
  dataDir: string;
  /** Links, actors, providers and apps to restore at the next `stratus up`. */
  stateFile: string;
  /** Copies of started actor modules, `<public key>.wasm`. */
  actorsDir: string;
}

export function controlPaths(home: string = stratusHome()): ControlPaths {
  const dataDir = join(home, 'data');
  return {
    home,
    socket: join(home, 'host.sock'),
    pidFile: join(home, 'host.pid'),
    logFile: join(home, 'host.log'),
    dataDir,
    stateFile: join(dataDir, 'host-state.json'),
    actorsDir: join(dataDir, 'actors'),
  };
}
