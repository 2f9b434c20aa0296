// Decides whether the interop layer (ARCHITECTURE.md §7) may run here: root, and the `ip`,
// keepalived, tcpdump and tshark binaries. Missing something skips the tests on a developer machine,
// but under CI=true it throws, so a CI run that silently tested nothing cannot pass.
//
// Usage (at module level of an interop test file):
//   const guard = interopGuard();                       // throws under CI when something is missing
//   describe.skipIf(guard.skip)('…', () => { … });

import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The tools every interop test needs. */
export const INTEROP_TOOLS = ['ip', 'keepalived', 'tcpdump', 'tshark'] as const;

export interface GuardResult {
  /** True when the tests must be skipped (only ever true when CI is not set). */
  readonly skip: boolean;
  /** What is missing ('root', tool names); empty when all is there. */
  readonly missing: readonly string[];
  /** Human-readable reason, for the skip message. */
  readonly reason: string;
}

/** Absolute path of `tool` on PATH (plus the sbin directories), or undefined. */
export function findTool(tool: string, pathEnv = process.env.PATH ?? ''): string | undefined {
  const dirs = [...pathEnv.split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'].filter(Boolean);
  for (const d of dirs) {
    const p = join(d, tool);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** Whether CI mode is on: env CI set to anything but '', '0' or 'false'. */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.CI;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

export interface GuardInputs {
  readonly uid: number;
  readonly env: NodeJS.ProcessEnv;
  readonly has: (tool: string) => boolean;
}

/**
 * The pure decision (exported for unit tests): what is missing, and whether to skip or throw.
 * Throws an Error naming everything missing when CI is on.
 */
export function decideInterop(inputs: GuardInputs, tools: readonly string[] = INTEROP_TOOLS): GuardResult {
  const missing: string[] = [];
  if (inputs.uid !== 0) missing.push('root');
  for (const t of tools) if (!inputs.has(t)) missing.push(t);
  if (missing.length === 0) return { skip: false, missing, reason: '' };
  const reason = `interop prerequisites missing: ${missing.join(', ')}`;
  if (isCi(inputs.env)) throw new Error(`${reason} (CI is set, so this fails instead of skipping)`);
  return { skip: true, missing, reason };
}

/** Check this machine (root + INTEROP_TOOLS + `extraTools`). See the file comment for usage. */
export function interopGuard(extraTools: readonly string[] = []): GuardResult {
  const res = decideInterop(
    { uid: process.getuid?.() ?? -1, env: process.env, has: (t) => findTool(t) !== undefined },
    [...INTEROP_TOOLS, ...extraTools],
  );
  if (res.skip) console.warn(`[interop-guard] skipping: ${res.reason}`);
  return res;
}
