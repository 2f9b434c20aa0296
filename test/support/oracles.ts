// The keepalived binaries interop tests run havipd against (issue 13 §1): keepalived 2.2.7 (the Debian
// package, /usr/sbin/keepalived) and keepalived 2.4.3 (built by test/oracles/keepalived-2.4.3.sh into
// ${HAVIPD_ORACLE_CACHE:-/var/cache/havipd/oracles} from ../shared/oracles, $HAVIPD_KEEPALIVED_TARBALL or a
// tarball fetched into that cache; a fresh clone has no ../shared, and the README says what to fetch). A missing
// oracle skips its cases with the reason on a developer machine; under CI=true it throws, so a CI run
// that silently tested against one oracle only cannot pass (.ci/run builds 2.4.3 before the tests).

import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { findTool, isCi } from './interop-guard.js';

export type PeerName = 'keepalived-2.2.7' | 'keepalived-2.4.3';

export interface PeerBinary {
  readonly name: PeerName;
  readonly path: string;
  /**
   * Built with the checker (LVS) child: takes `-P` (VRRP only) and `-c FILE`. The 2.4.3 oracle is built
   * `--disable-lvs`, where those options do not exist.
   */
  readonly hasChecker: boolean;
}

export interface PeerLookup {
  readonly name: PeerName;
  readonly binary: PeerBinary | undefined;
  /** Why it is unavailable (empty when available). */
  readonly reason: string;
}

export const ORACLE_SCRIPT = join(import.meta.dirname, '..', 'oracles', 'keepalived-2.4.3.sh');

/** The pure decision (exported for unit tests): available, skip with a reason, or throw under CI. */
export function decidePeer(name: PeerName, found: { path?: string; reason?: string }, env: NodeJS.ProcessEnv): PeerLookup {
  if (found.path) return { name, binary: { name, path: found.path, hasChecker: name === 'keepalived-2.2.7' }, reason: '' };
  const reason = `${name} oracle unavailable: ${found.reason ?? 'not found'}`;
  if (isCi(env)) throw new Error(`${reason} (CI is set, so this fails instead of skipping)`);
  return { name, binary: undefined, reason };
}

function find227(): { path?: string; reason?: string } {
  const p = findTool('keepalived');
  if (!p) return { reason: 'keepalived is not installed (Debian package keepalived)' };
  const v = spawnSync(p, ['-v'], { encoding: 'utf8', timeout: 10_000 });
  const first = `${v.stderr ?? ''}${v.stdout ?? ''}`.split('\n')[0] ?? '';
  if (!/v2\.2\.7\b/.test(first)) return { reason: `${p} is not 2.2.7 (${first.trim() || 'no version'})` };
  return { path: p };
}

function find243(env: NodeJS.ProcessEnv): { path?: string; reason?: string } {
  const r = spawnSync('bash', [ORACLE_SCRIPT, '--cached'], { encoding: 'utf8', env, timeout: 60_000 });
  const out = (r.stdout ?? '').trim();
  if (r.status === 0 && out) return { path: out };
  const why = (r.stderr ?? '').trim().split('\n').at(-1) ?? '';
  if (r.status === 2) return { reason: `no keepalived 2.4.3 source tarball and no cached build: ${why}` };
  return { reason: `not built: run test/oracles/keepalived-2.4.3.sh (${why})` };
}

const cache = new Map<PeerName, PeerLookup>();

/** Look up one oracle (memoised per process). Throws under CI when it is missing. */
export function peerBinary(name: PeerName, env: NodeJS.ProcessEnv = process.env): PeerLookup {
  let r = cache.get(name);
  if (!r) {
    r = decidePeer(name, name === 'keepalived-2.2.7' ? find227() : find243(env), env);
    if (!r.binary) console.warn(`[oracles] skipping ${name} cases: ${r.reason}`);
    cache.set(name, r);
  }
  return r;
}

/** Both oracles, in version order: `[{ name: 'keepalived-2.2.7', binary, reason }, { name: 'keepalived-2.4.3', … }]`. */
export function peerBinaries(env: NodeJS.ProcessEnv = process.env): readonly PeerLookup[] {
  return [peerBinary('keepalived-2.2.7', env), peerBinary('keepalived-2.4.3', env)];
}

/**
 * For interop files: whether a case whose nodes are `kinds` must be skipped because an oracle it needs is
 * missing (the reason is printed once by `peerBinary`). Throws under CI. `guardSkip`: the file's interop
 * guard already skips everything (then nothing is looked up).
 */
export function missingOracle(kinds: readonly string[], guardSkip: boolean): boolean {
  if (guardSkip) return false;
  return kinds.some((k) => k === 'keepalived-2.4.3' && !peerBinary('keepalived-2.4.3').binary);
}

// ── lang24: the two oracles by version, for the -t oracle test and the --signum test ──

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
