// The host's typed events (src/host/events.ts) as wasmCloud lattice events (reference §4.9; data
// fields as OTP HEAD `actors/actor_module.ex`, `providers/provider_module.ex` and
// `linkdefs/manager.ex` publish them). Events wasmCloud has no type for (lane moves, link status)
// stay on the host. Pure apart from the instance book it reads annotations from.
import type { HostEventMap, HostEventType } from '../../host/events.js';
import type { LinkDefinition } from '../../core/wire.js';
import { instanceId } from './host-views.js';
import type { InstanceBook } from './instance-book.js';

export interface LatticeEvent {
  /** `evt` (wasmbus.evt.{lattice}) or `rpcevt` (wasmbus.rpcevt.{lattice}). */
  stream: 'evt' | 'rpcevt';
  name: string;
  source: string;
  data: unknown;
}

/** The host events published to the lattice. */
export const PUBLISHED_EVENTS = [
  'actor_started', 'actor_stopped', 'provider_started', 'provider_stopped', 'linkdef_set', 'linkdef_deleted', 'invocation_failed',
  'health_check_passed', 'health_check_failed', 'health_check_status',
] as const satisfies readonly HostEventType[];

function linkData(l: LinkDefinition) {
  return { id: l.id, actor_id: l.actor_id, provider_id: l.provider_id, link_name: l.link_name, contract_id: l.contract_id, values: l.values };
}

export function latticeEvent<K extends (typeof PUBLISHED_EVENTS)[number]>(type: K, data: HostEventMap[K], hostId: string, book: InstanceBook): LatticeEvent {
  const evt = (name: string, d: unknown, source = hostId): LatticeEvent => ({ stream: 'evt', name, source, data: d });
  switch (type) {
    case 'actor_started': {
      const d = data as HostEventMap['actor_started'];
      return evt('actor_started', {
        public_key: d.public_key, image_ref: d.image_ref, api_version: d.api_version, instance_id: d.instance_id,
        annotations: book.nextStart(d.image_ref, d.public_key), claims: d.claims,
      });
    }
    case 'actor_stopped': {
      const d = data as HostEventMap['actor_stopped'];
      return evt('actor_stopped', { public_key: d.public_key, instance_id: d.instance_id, annotations: {} });
    }
    case 'provider_started': {
      const d = data as HostEventMap['provider_started'];
      const known = book.provider(d.public_key, d.link_name);
      return evt('provider_started', {
        public_key: d.public_key, image_ref: known?.imageRef ?? d.image_ref, link_name: d.link_name, contract_id: d.contract_id,
        instance_id: instanceId(`${d.public_key}/${d.link_name}`, 0), annotations: known?.annotations ?? {},
        claims: { issuer: '', tags: [], name: d.claims.name, version: '', not_before_human: 'immediately', expires_human: 'never' },
      });
    }
    case 'provider_stopped': {
      const d = data as HostEventMap['provider_stopped'];
      const known = book.provider(d.public_key, d.link_name);
      return evt('provider_stopped', {
        public_key: d.public_key, link_name: d.link_name, contract_id: d.contract_id,
        instance_id: instanceId(`${d.public_key}/${d.link_name}`, 0), reason: d.reason, annotations: known?.annotations ?? {},
      });
    }
    // OTP publishes link events with source "n/a" (they are the lattice's, not one host's)
    case 'linkdef_set':
      return evt('linkdef_set', linkData(data as LinkDefinition), 'n/a');
    case 'linkdef_deleted':
      return evt('linkdef_deleted', linkData(data as LinkDefinition), 'n/a');
    case 'invocation_failed': {
      // the full explanation (keys, fixes) stays in the host's log; the lattice gets wasmCloud's fields
      const d = data as HostEventMap['invocation_failed'];
      return {
        stream: 'rpcevt', name: 'invocation_failed', source: hostId,
        data: { source: d.source, dest: d.dest, operation: d.operation, bytes: d.bytes },
      };
    }
    // provider processes' health checks (OTP `provider_module.ex`: public_key and link_name)
    case 'health_check_passed':
    case 'health_check_failed':
    case 'health_check_status': {
      const d = data as HostEventMap['health_check_passed'];
      return evt(type, { public_key: d.public_key, link_name: d.link_name });
    }
  }
  throw new Error(`unmapped host event ${String(type)}`);
}
