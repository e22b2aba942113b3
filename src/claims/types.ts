// Wascap claims as they appear in the `jwt` / `wasmcloud_jwt` custom section (reference §3.2).

export interface WascapActorMetadata {
  name?: string;
  /** Uppercase hex SHA-256 of the module without its jwt sections (reference §3.3). */
  hash: string;
  tags?: string[];
  /** Capability contract ids, e.g. `wasmcloud:keyvalue`. */
  caps?: string[];
  rev?: number;
  ver?: string;
  call_alias?: string;
  prov?: boolean;
}

/** The registered claims every wascap token carries (actor, provider, invocation). */
export interface WascapClaimsBase {
  jti: string;
  iat: number;
  iss: string;
  sub: string;
  exp?: number;
  nbf?: number;
}

export interface ActorClaims extends WascapClaimsBase {
  /** Issuer: account public key (A...). */
  iss: string;
  /** Subject: module public key (M...) — the actor id. */
  sub: string;
  wascap: WascapActorMetadata;
  wascap_revision?: number;
}

/** The result of verifying a module's embedded token. */
export interface VerifiedActor {
  claims: ActorClaims;
  /** The compact JWT found in the module ('' for an allowed unsigned module). */
  token: string;
  /** = claims.sub */
  publicKey: string;
  /** Hash computed from the module bytes (reference §3.3). */
  moduleHash: string;
  /** True when the module had no claims and the development switch allowed it. */
  unsigned: boolean;
}

export interface VerifyOptions {
  /** Development switch: accept modules without a token (a key is derived from the hash). Off by default. */
  allowUnsigned?: boolean;
  /** If set, only these account keys may issue actors. */
  trustedIssuers?: string[];
  /** Clock override in seconds since the epoch (tests). */
  nowSeconds?: number;
}
