// Config target: mutations of test/fixtures configs, test/golden/config and, when installed, the
// keepalived samples in /usr/share/doc/keepalived/samples (lines deleted, duplicated, swapped, braces
// inserted, tokens injected, huge numbers, non-UTF-8 bytes, self-includes, `$VAR` recursion, nested
// `~SEQ`, long lines); through the parser (`parseConfig`: preprocess + parse + resolve, on an in-memory
// host) and `-t`'s classification (`configTestExitCode`, `renderCheck`). None of them may throw.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { configTestExitCode, renderCheck } from '../../src/cli/config-test.js';
import { parseConfig } from '../../src/config-parser/parse.js';
import { FakeConfigHost } from '../support/fake-config-host.js';
import { mutateConfig, shrinkBytes } from './mutators.js';
import { ROOT } from './paths.js';
import type { Rng } from './rng.js';
import type { FuzzTarget, TargetInstance } from './target.js';

export const KEEPALIVED_SAMPLES = '/usr/share/doc/keepalived/samples';
const MAIN = '/etc/keepalived/keepalived.conf';
/** Files beside the main one in the in-memory host (include targets). */
const OTHERS = ['/etc/keepalived/extra.conf', '/etc/keepalived/conf.d/a.conf'];

function readDir(dir: string, filter: (f: string) => boolean): Uint8Array[] {
  if (!existsSync(dir)) return [];
  const out: Uint8Array[] = [];
  for (const f of readdirSync(dir).sort()) {
    const p = join(dir, f);
    if (!statSync(p).isFile() || !filter(f)) continue;
    const raw = readFileSync(p);
    out.push(new Uint8Array(f.endsWith('.gz') ? gunzipSync(raw) : raw));
  }
  return out;
}

/** The seed corpus: fixtures, golden configs, and the keepalived samples when present. */
export function configSeeds(opts: { samples?: boolean } = {}): Uint8Array[] {
  const seeds = [
    ...readDir(join(ROOT, 'test', 'fixtures', 'configs'), (f) => f.endsWith('.conf')),
    ...readDir(join(ROOT, 'test', 'golden', 'config'), (f) => f.endsWith('.conf')),
  ];
  if (opts.samples !== false) seeds.push(...readDir(KEEPALIVED_SAMPLES, (f) => f.startsWith('keepalived.conf')));
  return seeds;
}

export interface ConfigInput {
  readonly main: Uint8Array;
  /** Contents of OTHERS[k]. */
  readonly others: readonly Uint8Array[];
}

export function generateConfig(rng: Rng, seeds: readonly Uint8Array[]): ConfigInput {
  const ctx = { mainFile: MAIN, otherFiles: OTHERS };
  let main = rng.pick(seeds);
  const n = rng.chance(0.05) ? 0 : rng.range(1, rng.chance(0.7) ? 4 : 16);
  for (let k = 0; k < n; k++) main = mutateConfig(rng, main, ctx);
  const others = OTHERS.map(() => (rng.chance(0.3) ? mutateConfig(rng, rng.pick(seeds), ctx) : rng.pick(seeds)));
  return { main, others };
}

export function runConfig(i: ConfigInput): { exitCode: number; output: string } {
  const files: Record<string, Uint8Array> = { [MAIN]: i.main };
  OTHERS.forEach((p, k) => {
    files[p] = i.others[k] ?? new Uint8Array(0);
  });
  const host = new FakeConfigHost(files);
  const r = parseConfig(MAIN, host, { configId: 'fuzz', allConfig: false, hostInterfaces: ['eth0', 'eth1', 'eth2'] });
  if (!Array.isArray(r.diagnostics)) throw new TypeError('parseConfig returned no diagnostics array');
  const exitCode = configTestExitCode(r.diagnostics);
  const output = renderCheck(MAIN, { config: r.config, diagnostics: r.diagnostics, exitCode });
  return { exitCode, output };
}

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
const unb64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

export const configTarget: FuzzTarget<ConfigInput> = {
  name: 'configs',
  defaultCount: 100_000,
  setup(): TargetInstance<ConfigInput> {
    const seeds = configSeeds();
    return {
      generate: (rng) => generateConfig(rng, seeds),
      run: (i) => void runConfig(i),
      replay: (i) => void runConfig(i),
      shrink(i, fails, budget) {
        // the include targets first (often irrelevant: emptied), then the main file
        let cur = i;
        const others = cur.others.map((_, k) => {
          const emptied = cur.others.map((o, m) => (m === k ? new Uint8Array(0) : o));
          if (fails({ ...cur, others: emptied })) {
            cur = { ...cur, others: emptied };
            return new Uint8Array(0);
          }
          return cur.others[k]!;
        });
        cur = { ...cur, others };
        const main = shrinkBytes(cur.main, (m) => fails({ ...cur, main: m }), budget);
        return { ...cur, main };
      },
      toJson: (i) => ({ main: b64(i.main), others: i.others.map(b64) }),
      fromJson(j) {
        const o = j as { main: string; others: string[] };
        return { main: unb64(o.main), others: o.others.map(unb64) };
      },
      describe: (i) => `config of ${i.main.length} B (+${i.others.map((o) => o.length).join('+')} B included): ${JSON.stringify(Buffer.from(i.main.subarray(0, 60)).toString('latin1'))}`,
    };
  },
};
