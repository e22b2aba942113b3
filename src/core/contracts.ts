// Capability contract ids (reference §3.6, wascap `caps.rs`) and the wash `claims sign` flags that add them.

export const CAPS = {
  HTTP_SERVER: 'wasmcloud:httpserver',
  HTTP_CLIENT: 'wasmcloud:httpclient',
  KEY_VALUE: 'wasmcloud:keyvalue',
  MESSAGING: 'wasmcloud:messaging',
  BLOB_STORE: 'wasmcloud:blobstore',
  EVENT_STREAMS: 'wasmcloud:eventstreams',
  LOGGING: 'wasmcloud:builtin:logging',
  NUMBERGEN: 'wasmcloud:builtin:numbergen',
} as const;

export const LOGGING = CAPS.LOGGING;
export const NUMBERGEN = CAPS.NUMBERGEN;
/** Contracts the host serves itself (claims still required, no link). */
export const BUILTINS: readonly string[] = [LOGGING, NUMBERGEN];

/** Human names of the well-known contracts. */
export const CAP_NAMES: Readonly<Record<string, string>> = {
  [CAPS.HTTP_SERVER]: 'HTTP Server',
  [CAPS.HTTP_CLIENT]: 'HTTP Client',
  [CAPS.KEY_VALUE]: 'K/V Store',
  [CAPS.MESSAGING]: 'Messaging',
  [CAPS.BLOB_STORE]: 'Blob Store',
  [CAPS.EVENT_STREAMS]: 'Event Streams',
  [CAPS.LOGGING]: 'Logging',
  [CAPS.NUMBERGEN]: 'Number Generation',
};

export function capName(contractId: string): string {
  return CAP_NAMES[contractId] ?? contractId;
}

export interface CapFlag {
  /** commander option key (camelCase of the long flag). */
  key: string;
  short?: string;
  long: string;
  /** Contract id added; undefined = accepted for compatibility, adds nothing (wash-lib `--extras`). */
  contractId?: string;
  description: string;
}

/** wash `claims sign` capability flags (wash-lib clap era). */
export const WASH_CAP_FLAGS: readonly CapFlag[] = [
  { key: 'keyvalue', short: 'k', long: 'keyvalue', contractId: CAPS.KEY_VALUE, description: 'K/V Store (wasmcloud:keyvalue)' },
  { key: 'msg', short: 'g', long: 'msg', contractId: CAPS.MESSAGING, description: 'Messaging (wasmcloud:messaging)' },
  { key: 'http_server', short: 'q', long: 'http_server', contractId: CAPS.HTTP_SERVER, description: 'HTTP Server (wasmcloud:httpserver)' },
  { key: 'http_client', long: 'http_client', contractId: CAPS.HTTP_CLIENT, description: 'HTTP Client (wasmcloud:httpclient)' },
  { key: 'blob_store', short: 'f', long: 'blob_store', contractId: CAPS.BLOB_STORE, description: 'Blob Store (wasmcloud:blobstore)' },
  { key: 'logging', short: 'l', long: 'logging', contractId: CAPS.LOGGING, description: 'Logging (wasmcloud:builtin:logging)' },
  { key: 'events', short: 'e', long: 'events', contractId: CAPS.EVENT_STREAMS, description: 'Event Streams (wasmcloud:eventstreams)' },
  { key: 'extras', short: 'z', long: 'extras', description: 'accepted for compatibility; adds nothing (as in wash-lib)' },
];

/** Contract ids selected by a set of parsed flags plus `-c` custom ids, de-duplicated, in flag order. */
export function capsFromFlags(flags: Record<string, unknown>, custom: string[] = []): string[] {
  const out: string[] = [];
  for (const f of WASH_CAP_FLAGS) if (flags[f.key] && f.contractId) out.push(f.contractId);
  for (const c of custom) if (c) out.push(c);
  return [...new Set(out)];
}

/** The `stratus claims sign` flag that grants a contract id (wash's flag where it has one). */
export function signFlagFor(contractId: string): string {
  const f = WASH_CAP_FLAGS.find((x) => x.contractId === contractId);
  return f ? `--${f.long}` : `--cap ${contractId}`;
}
