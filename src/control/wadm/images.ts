// wasmCloud's published capability provider images, and which contract each serves. A wadm
// capability component naming one of them runs on Stratus's built-in provider for that contract
// (when Stratus has one), with link values translated so a link means the same data as with the
// wasmCloud provider. Pure.

export interface PublishedProvider {
  /** What wasmCloud calls it (for output). */
  title: string;
  contractId: string;
  /**
   * Link values added when the link does not set them, so the built-in provider behaves as the
   * published one: kvredis keeps its data in Redis (default redis://127.0.0.1:6379) under the
   * actor's keys as they are, where the built-in keyvalue provider defaults to its embedded store.
   */
  linkDefaults?: (values: Record<string, string>) => Record<string, string>;
}

const REGISTRIES = ['wasmcloud.azurecr.io/', 'ghcr.io/wasmcloud/'];

const has = (values: Record<string, string>, key: string) => Object.keys(values).some((k) => k.toLowerCase() === key);

const KVREDIS: PublishedProvider = {
  title: "wasmCloud's kvredis provider",
  contractId: 'wasmcloud:keyvalue',
  linkDefaults: (values) => {
    const backend = Object.entries(values).find(([k]) => k.toLowerCase() === 'backend')?.[1];
    // a link that chose another backend keeps it (raw keys are a Redis matter)
    if (backend !== undefined && backend.toLowerCase() !== 'redis') return {};
    return {
      ...(backend !== undefined || has(values, 'url') ? {} : { backend: 'redis' }),
      ...(has(values, 'bucket') || has(values, 'raw_keys') ? {} : { raw_keys: 'true' }),
    };
  },
};

/** Repository name (after the registry) -> provider. Both the 0.x names and the later ones. */
const PUBLISHED: Record<string, PublishedProvider> = {
  httpserver: { title: "wasmCloud's httpserver provider", contractId: 'wasmcloud:httpserver' },
  'http-server': { title: "wasmCloud's httpserver provider", contractId: 'wasmcloud:httpserver' },
  kvredis: KVREDIS,
  'keyvalue-redis': KVREDIS,
  nats_messaging: { title: "wasmCloud's NATS messaging provider", contractId: 'wasmcloud:messaging' },
  'messaging-nats': { title: "wasmCloud's NATS messaging provider", contractId: 'wasmcloud:messaging' },
  httpclient: { title: "wasmCloud's httpclient provider", contractId: 'wasmcloud:httpclient' },
  'http-client': { title: "wasmCloud's httpclient provider", contractId: 'wasmcloud:httpclient' },
};

/** The published provider an image reference names (any tag or digest), if it is one. */
export function publishedProvider(image: string): PublishedProvider | undefined {
  const registry = REGISTRIES.find((r) => image.startsWith(r));
  if (!registry) return undefined;
  const repo = image.slice(registry.length).split(/[:@]/)[0]!;
  return Object.hasOwn(PUBLISHED, repo) ? PUBLISHED[repo] : undefined;
}

/** Example images, for error hints. */
export const PUBLISHED_EXAMPLES = [
  'wasmcloud.azurecr.io/httpserver:0.17.0',
  'wasmcloud.azurecr.io/kvredis:0.21.0',
  'wasmcloud.azurecr.io/nats_messaging:0.17.2',
  'wasmcloud.azurecr.io/httpclient:0.7.0',
];
