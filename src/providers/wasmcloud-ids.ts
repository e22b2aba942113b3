// wasmCloud's published capability providers have fixed service keys (signed by wasmCloud's
// official key), and its documentation puts them in every `wash ctl link put`. Starting one of
// these ids (`stratus ctl start provider VAG3QITQ...`) runs Stratus's provider for the same
// contract under that id, so the commands copied from wasmCloud's documentation work as written.
// The inventory names such a provider `<ours> (as <wasmCloud image>)`.
import type { CapabilityProvider } from '../host/provider-contract.js';

export interface WasmCloudAlias {
  /** wasmCloud's provider id. */
  id: string;
  /** The Stratus built-in provider serving it. */
  builtin: string;
  /** The image wasmCloud publishes under that id. */
  image: string;
}

export const WASMCLOUD_ALIASES: readonly WasmCloudAlias[] = Object.freeze([
  { id: 'VAG3QITQQ2ODAOWB5TTQSDJ53XK3SHBEIFNK4AYJ5RKAX2UNSCAPHA5M', builtin: 'httpserver', image: 'wasmcloud.azurecr.io/httpserver' },
  { id: 'VAZVC4RX54J2NVCMCW7BPCAHGGG5XZXDBXFUMDUXGESTMQEJLC3YVZWB', builtin: 'keyvalue', image: 'wasmcloud.azurecr.io/kvredis' },
  { id: 'VADNMSIML2XGO2X4TPIONTIC55R2UUQGPPDZPAVSC2QD7E76CR77SPW7', builtin: 'messaging', image: 'wasmcloud.azurecr.io/nats_messaging' },
  { id: 'VCCVLH4XWGI3SGARFNYKYT2A32SUYA2KVAIV2U2Q34DQA7WWJPFRKIKM', builtin: 'httpclient', image: 'wasmcloud.azurecr.io/httpclient' },
]);

export function wasmCloudAlias(id: string): WasmCloudAlias | undefined {
  return WASMCLOUD_ALIASES.find((a) => a.id === id);
}

export function aliasName(a: WasmCloudAlias): string {
  return `${a.builtin} (as ${a.image})`;
}

/**
 * `inner` (created with the alias id) under the alias's name: everything else, including the
 * optional handleSync/drain, is the inner provider's own.
 */
export function asAlias(inner: CapabilityProvider, a: WasmCloudAlias): CapabilityProvider {
  const name = aliasName(a);
  return new Proxy(inner, {
    get(target, key) {
      if (key === 'name') return name;
      const v = Reflect.get(target, key, target) as unknown;
      return typeof v === 'function' ? (v as (...args: unknown[]) => unknown).bind(target) : v;
    },
  });
}
