// The keepalived binaries havipd is compared with: 2.2.7 (the Debian package) and 2.4.3 (built from source by
// the oracle build script into a cache keyed by the tarball's checksum). One place to ask, so that tests can
// follow when the cache moves.

import { existsSync } from 'node:fs';

export type OracleVersion = '2.2.7' | '2.4.3';

/** Where each oracle lives; `KEEPALIVED` / `KEEPALIVED_243` override them. */
export const ORACLE_PATHS: Readonly<Record<OracleVersion, string>> = {
  '2.2.7': process.env.KEEPALIVED ?? '/usr/sbin/keepalived',
  '2.4.3': process.env.KEEPALIVED_243 ?? '/var/cache/havipd/oracles/keepalived-2.4.3-52b8fb42b6c6614c/keepalived',
};

/** The path of an oracle binary, or undefined when it is not installed / not built. */
export function oraclePath(version: OracleVersion): string | undefined {
  const p = ORACLE_PATHS[version];
  return existsSync(p) ? p : undefined;
}

/** Under CI a missing oracle is a failure, not a skip. */
export function requireOracleUnderCi(version: OracleVersion): void {
  if (process.env.CI && oraclePath(version) === undefined) {
    throw new Error(`keepalived ${version} oracle missing at ${ORACLE_PATHS[version]} and CI is set`);
  }
}
