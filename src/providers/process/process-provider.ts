// A capability provider running as its own process, started from a provider archive (reference
// §5.1): the binary is spawned with no arguments, HostData goes on its stdin as one base64(JSON)
// line, and from then on the host reaches it only over the lattice, like a provider on another
// host: invocations through an RpcSender (signed with the cluster key), links with `linkdefs.put`
// / `.del`, health with `.health`, stop with `.shutdown` then SIGKILL.
//
// Supervision: an unexpected exit is logged and the process restarted with exponential backoff;
// it gets HostData with every link again. Quick failures in a row past `maxRestarts` leave it
// failed (health says why). Health is checked every 30 s, with health_check_* events.
//
// No orphans: the host keeps the child's stdin open. When the host exits, however it dies (also
// SIGKILL), the pipe closes; a provider built with the SDK (src/provider-sdk) exits on that.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/nats-core';
import { fromSeed } from '../../claims/nkeys.js';
import { decodeMsgpack } from '../../codec/msgpack-decoder.js';
import { packr } from '../../codec/msgpack.js';
import { notStartedError, StratusError, errorText } from '../../core/errors.js';
import type { Invocation, LinkDefinition } from '../../core/wire.js';
import type { CapabilityProvider, ProviderHealth, ProviderHost } from '../../host/provider-contract.js';
import { InvocationSigner } from '../../lattice/rpc/antiforgery.js';
import { ChunkStore } from '../../lattice/rpc/chunks.js';
import { RpcSender } from '../../lattice/rpc/sender.js';
import { providerSubject } from '../../lattice/rpc/subjects.js';
import type { ActorDirectory, LatticeConfig } from '../../lattice/types.js';
import { encodeHostData, type HostData } from '../../provider-sdk/host-data.js';
import { coalescePublishes } from './coalesced-publish.js';
import { DEFAULT_SUPERVISION, restartDelay, type SupervisionOptions } from './supervision.js';

/** What a provider process needs of the lattice the host is in. */
export interface LatticeAccess {
  /** The host's RPC connection. */
  nc: NatsConnection;
  config: LatticeConfig;
  directory: ActorDirectory;
}

export interface ProcessProviderOptions {
  id: string;
  name: string;
  contractId: string;
  linkName: string;
  /** Executable to spawn (already verified and written to the cache). */
  binaryPath: string;
  /** The lattice, asked when the provider starts (a host alone cannot run provider processes). */
  lattice(): LatticeAccess;
  /** `configuration` given at start, passed as HostData.config_json. */
  config?: string;
  supervision?: Partial<SupervisionOptions>;
}

type State = 'starting' | 'running' | 'restarting' | 'failed' | 'stopped';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `host:port` as wasmCloud hands it (OTP writes it without a scheme). */
function rpcUrl(servers: string[]): string {
  return servers.map((s) => s.replace(/^nats:\/\//, '')).join(',');
}

export class ProcessProvider implements CapabilityProvider {
  readonly servedOverLattice = true;
  readonly id: string;
  readonly name: string;
  readonly contractId: string;
  readonly linkName: string;
  private readonly sup: SupervisionOptions;
  private host!: ProviderHost;
  private access!: LatticeAccess;
  private sender!: RpcSender;
  /** The host's connection, with the publishes of one event-loop turn sent in one write
   *  (coalesced-publish.ts): invocations and link messages, in the order they were made. */
  private nc!: NatsConnection;
  private child: ChildProcess | undefined;
  private state: State = 'starting';
  private failure = '';
  private readonly links = new Map<string, LinkDefinition>();
  private quickFailures = 0;
  private startedAt = 0;
  private healthTimer: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private lastHealthy: boolean | undefined;
  private stderrTail: string[] = [];
  /** Resolves when the current child exits. */
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly o: ProcessProviderOptions) {
    this.id = o.id;
    this.name = o.name;
    this.contractId = o.contractId;
    this.linkName = o.linkName;
    this.sup = { ...DEFAULT_SUPERVISION, ...o.supervision };
  }

  /** The OS process id of the running child (tests, inventory). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get status(): State {
    return this.state;
  }

  private get subject(): string {
    return providerSubject(this.access.config.prefix, this.id, this.linkName);
  }

  async start(host: ProviderHost): Promise<void> {
    this.host = host;
    this.access = this.o.lattice();
    const c = this.access.config;
    this.nc = coalescePublishes(this.access.nc, (subject, e) => this.host.log('warn', `provider ${this.name}: a message to ${subject} was not sent: ${errorText(e)}`));
    this.sender = new RpcSender({
      nc: this.nc, prefix: c.prefix, rpcTimeoutMs: c.rpcTimeoutMs, directory: this.access.directory,
      signer: new InvocationSigner(fromSeed(c.clusterSeed, 'cluster')), chunks: new ChunkStore(this.access.nc, c.prefix, c.jsDomain),
    });
    await this.launch();
    this.scheduleHealth(this.sup.healthFirstMs);
  }

  private hostData(): HostData {
    const c = this.access.config;
    return {
      host_id: this.host.hostId,
      lattice_rpc_prefix: c.prefix,
      link_name: this.linkName,
      lattice_rpc_user_jwt: c.rpcAuth?.jwt ?? '',
      lattice_rpc_user_seed: c.rpcAuth?.seed ?? '',
      lattice_rpc_url: rpcUrl(c.rpcServers),
      lattice_rpc_tls: !!c.rpcTls,
      env_values: {},
      instance_id: randomUUID(),
      provider_key: this.id,
      link_definitions: [...this.links.values()],
      config_json: this.o.config ?? null,
      default_rpc_timeout_ms: c.rpcTimeoutMs,
      cluster_issuers: [...new Set([fromSeed(c.clusterSeed, 'cluster').publicKey, ...c.clusterIssuers])],
      invocation_seed: c.clusterSeed,
      js_domain: c.jsDomain ?? null,
      structured_logging: false,
      log_level: 'info',
    };
  }

  /** Spawn the binary, write HostData, and wait until it answers a health check. */
  private async launch(): Promise<void> {
    this.state = 'starting';
    this.stderrTail = [];
    let child: ChildProcess;
    try {
      child = spawn(this.o.binaryPath, [], { stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
    } catch (e) {
      throw new StratusError('INTERNAL', `provider ${this.name} could not be started from ${this.o.binaryPath}: ${errorText(e)}`);
    }
    this.child = child;
    this.startedAt = Date.now();
    let spawnError: Error | undefined;
    child.once('error', (e) => { spawnError = e; });
    this.exited = new Promise((resolve) => child.once('close', () => resolve()));
    child.once('exit', (code, signal) => this.onExit(child, code, signal));
    this.pipeLogs(child);
    child.stdin!.on('error', () => undefined); // a child that exits at once closes its end first
    child.stdin!.write(encodeHostData(this.hostData()));
    // stdin stays open: its end is how the provider learns the host is gone

    const deadline = Date.now() + this.sup.readyTimeoutMs;
    while (Date.now() < deadline) {
      if (spawnError) throw new StratusError('INTERNAL', `provider ${this.name} could not be started from ${this.o.binaryPath}: ${spawnError.message}`);
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new StratusError('INTERNAL', `provider ${this.name} exited (${child.exitCode ?? child.signalCode}) before it answered on ${this.subject}${this.tail()}`,
          'run the binary by hand with a HostData line on stdin to see why, or check the host log');
      }
      const h = await this.ask(Math.min(500, this.sup.readyTimeoutMs)).catch(() => undefined);
      if (h && child === this.child) {
        this.state = 'running';
        return;
      }
      await sleep(50);
    }
    child.kill('SIGKILL');
    throw new StratusError('TIMEOUT', `provider ${this.name} did not answer a health check on ${this.subject}.health within ${this.sup.readyTimeoutMs} ms of starting${this.tail()}`,
      'a wasmCloud provider subscribes to its subjects after reading HostData from stdin; check that the binary is one, and the host log');
  }

  private tail(): string {
    return this.stderrTail.length ? `; its last output:\n  ${this.stderrTail.join('\n  ')}` : '';
  }

  private pipeLogs(child: ChildProcess): void {
    for (const [stream, level] of [[child.stdout!, 'info'], [child.stderr!, 'warn']] as const) {
      let buf = '';
      stream.on('data', (b: Buffer) => {
        buf += b.toString();
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trimEnd();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          this.stderrTail = [...this.stderrTail, line].slice(-5);
          // the host prefixes the provider's name ([name Vxxxxxxx])
          this.host.log(level === 'warn' && /^(INFO|DEBUG|TRACE)\b/.test(line) ? 'info' : level, line);
        }
      });
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    this.child = undefined;
    if (this.state === 'stopped' || this.state === 'starting') return; // stop() or launch() reports it
    const ran = Date.now() - this.startedAt;
    this.quickFailures = ran >= this.sup.stableMs ? 1 : this.quickFailures + 1;
    const why = `exited unexpectedly (${code !== null ? `code ${code}` : `signal ${signal}`}) after ${Math.round(ran / 1000)} s`;
    if (this.quickFailures > this.sup.maxRestarts) {
      this.fail(`provider ${this.name} ${why}; gave up after ${this.sup.maxRestarts} restarts in a row${this.tail()}`);
      return;
    }
    const delay = restartDelay(this.quickFailures, this.sup);
    this.host.log('warn', `provider ${this.name} ${why}; restart ${this.quickFailures} of ${this.sup.maxRestarts} in ${delay} ms`);
    this.state = 'restarting';
    this.failure = `provider ${this.name} ${why}; restarting`;
    this.restartTimer = setTimeout(() => void this.restart(), delay);
  }

  private async restart(): Promise<void> {
    this.restartTimer = undefined;
    if (this.state === 'stopped') return;
    try {
      await this.launch();
      this.host.log('info', `provider ${this.name} restarted (pid ${this.child?.pid}) with ${this.links.size} link(s)`);
    } catch (e) {
      if ((this.state as State) === 'stopped') return;
      // launch() failed: count it like an exit
      this.state = 'running';
      this.startedAt = Date.now();
      const dead = this.child;
      this.child = undefined;
      dead?.kill('SIGKILL');
      this.quickFailures++;
      if (this.quickFailures > this.sup.maxRestarts) {
        this.fail(`provider ${this.name} could not be restarted: ${errorText(e)}; gave up after ${this.sup.maxRestarts} restarts in a row`);
        return;
      }
      const delay = restartDelay(this.quickFailures, this.sup);
      this.host.log('warn', `provider ${this.name} restart failed: ${errorText(e)}; next try in ${delay} ms`);
      this.state = 'restarting';
      this.restartTimer = setTimeout(() => void this.restart(), delay);
    }
  }

  private fail(message: string): void {
    this.state = 'failed';
    this.failure = message;
    this.host.log('error', message);
    this.reportHealth({ healthy: false, message });
  }

  // ------------------------------------------------------------------ health

  private scheduleHealth(ms: number): void {
    if (this.state === 'stopped') return;
    this.healthTimer = setTimeout(() => void this.checkHealth(), ms);
    this.healthTimer.unref?.();
  }

  private async checkHealth(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'failed') return;
    this.reportHealth(await this.health());
    this.scheduleHealth(this.sup.healthIntervalMs);
  }

  /** health_check_passed / _failed when the result changes, _status otherwise (as OTP reports them). */
  private reportHealth(h: ProviderHealth): void {
    const ev = this.host.events;
    const base = { public_key: this.id, link_name: this.linkName, host_id: this.host.hostId };
    if (this.lastHealthy !== h.healthy) {
      if (!h.healthy) this.host.log('warn', `provider ${this.name} failed its health check: ${h.message ?? 'unhealthy'}`);
      if (h.healthy && ev?.wants('health_check_passed')) ev.emit('health_check_passed', base);
      if (!h.healthy && ev?.wants('health_check_failed')) ev.emit('health_check_failed', { ...base, message: h.message ?? '' });
    } else if (ev?.wants('health_check_status')) {
      ev.emit('health_check_status', { ...base, healthy: h.healthy });
    }
    this.lastHealthy = h.healthy;
  }

  /** One `.health` request: msgpack {placeholder: true} → HealthCheckResponse. */
  private async ask(timeoutMs: number): Promise<ProviderHealth> {
    const reply = await this.access.nc.request(`${this.subject}.health`, packr.pack({ placeholder: true }), { timeout: timeoutMs });
    const body = decodeMsgpack(reply.data, 'HealthCheckResponse') as { healthy?: unknown; message?: unknown };
    if (typeof body !== 'object' || body === null || typeof body.healthy !== 'boolean') {
      throw new Error('the answer to .health is not a HealthCheckResponse {healthy, message}');
    }
    return { healthy: body.healthy, ...(typeof body.message === 'string' && body.message ? { message: body.message } : {}) };
  }

  async health(): Promise<ProviderHealth> {
    if (this.state === 'failed' || this.state === 'restarting') return { healthy: false, message: this.failure };
    if (this.state === 'stopped') return { healthy: false, message: `provider ${this.name} is stopped` };
    try {
      return await this.ask(this.access.config.rpcTimeoutMs);
    } catch (e) {
      return { healthy: false, message: `provider ${this.name} (pid ${this.child?.pid ?? 'none'}) did not answer its health check on ${this.subject}.health: ${errorText(e)}` };
    }
  }

  // ------------------------------------------------------------------ links and invocations

  async putLink(link: LinkDefinition): Promise<void> {
    this.links.set(link.actor_id, link);
    if (this.state === 'running') this.nc.publish(`${this.subject}.linkdefs.put`, packr.pack(link));
    // while restarting, the next HostData carries it
  }

  async deleteLink(link: LinkDefinition): Promise<void> {
    const had = this.links.get(link.actor_id);
    this.links.delete(link.actor_id);
    if (this.state === 'running') this.nc.publish(`${this.subject}.linkdefs.del`, packr.pack(had ?? link));
  }

  handle(inv: Invocation): Promise<Uint8Array> {
    if (this.state === 'failed') return Promise.reject(notStartedError('PROVIDER_NOT_RUNNING', this.failure, `stop it with \`stratus ctl stop provider ${this.id}\` and start it again once fixed`));
    return this.sender.invoke(inv);
  }

  // ------------------------------------------------------------------ stop

  async shutdown(): Promise<void> {
    this.state = 'stopped';
    if (this.healthTimer) clearTimeout(this.healthTimer);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    try {
      await this.access.nc.request(`${this.subject}.shutdown`, new TextEncoder().encode(JSON.stringify({ host_id: this.host.hostId })), { timeout: this.sup.stopGraceMs });
    } catch {
      // no answer: it is killed below
    }
    const exited = await Promise.race([this.exited.then(() => true), sleep(this.sup.stopGraceMs).then(() => false)]);
    if (!exited) {
      this.host.log('warn', `provider ${this.name} did not exit within ${this.sup.stopGraceMs} ms of shutdown; killing it`);
      child.kill('SIGKILL');
      await this.exited;
    }
    child.stdin?.destroy();
  }
}
