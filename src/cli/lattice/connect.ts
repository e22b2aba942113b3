// The CLI's NATS connection in lattice mode: credentials as wash takes them (a literal or a file
// holding it), and a connection failure reported as "no lattice here" with what to check.
import { existsSync, readFileSync } from 'node:fs';
import { connect } from '@nats-io/transport-node';
import { credsAuthenticator, jwtAuthenticator, nkeyAuthenticator, type Authenticator, type NatsConnection } from '@nats-io/nats-core';
import { StratusError } from '../../core/errors.js';
import type { LatticeSettings } from './options.js';

/** A value given literally or as the path of a file holding it. */
function literalOrFile(v: string, what: string): string {
  if (!existsSync(v)) return v.trim();
  try {
    return readFileSync(v, 'utf8').trim();
  } catch (e) {
    throw new StratusError('BAD_REQUEST', `cannot read ${what} file ${v}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function authenticator(s: LatticeSettings): Authenticator | undefined {
  const enc = new TextEncoder();
  if (s.credsFile) {
    try {
      return credsAuthenticator(readFileSync(s.credsFile));
    } catch (e) {
      throw new StratusError('BAD_REQUEST', `cannot read --ctl-credsfile ${s.credsFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  const seed = s.seed ? enc.encode(literalOrFile(s.seed, '--ctl-seed')) : undefined;
  if (s.jwt) return jwtAuthenticator(literalOrFile(s.jwt, '--ctl-jwt'), seed);
  if (seed) return nkeyAuthenticator(seed);
  return undefined;
}

/**
 * `reconnect`: keep trying after the server goes away (the lattice dashboard, which runs until
 * Ctrl-C), every second without end; one-shot commands (`stratus ctl`) fail at once instead.
 */
export async function connectLattice(s: LatticeSettings, o: { reconnect?: boolean; name?: string } = {}): Promise<NatsConnection> {
  const auth = authenticator(s);
  try {
    return await connect({
      servers: s.server, timeout: Math.max(s.timeoutMs, 2000), name: o.name ?? 'stratus ctl',
      ...(o.reconnect ? { reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 1000, waitOnFirstConnect: false } : { reconnect: false }),
      ...(auth ? { authenticator: auth } : {}),
    });
  } catch (e) {
    throw new StratusError('HOST_UNREACHABLE', `cannot reach the lattice's NATS server at ${s.server}: ${(e as Error).message}`,
      'start NATS and a host (`stratus up` with lattice settings), or check --ctl-host/--ctl-port and the credentials');
  }
}
