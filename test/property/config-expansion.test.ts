// Property (issue 8 §4, config side): inputs of a few KB, mutations of the test fixtures and of the keepalived
// samples (/usr/share/doc/keepalived/samples when installed; that source is skipped otherwise) with `$VAR`
// recursion, nested ~SEQ, self-includes and long lines spliced in, go through the preprocessor and the
// keyword layer without throwing, within the expansion limits (work counted by the preprocessor), with an
// output no larger than the input plus the expansion budget, and in bounded CPU time. The reproducers of
// issue 8 §3 and issue 14 §3 are named regression cases with the default limits. fast-check, seeds recorded.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLines } from '../../src/config-parser/parse.js';
import {
  MAX_EXPANSION_BYTES,
  MAX_GENERATED_LINES,
  MAX_INPUT_BYTES,
  preprocess,
  type ExpansionLimits,
} from '../../src/config-parser/preprocess.js';
import { CONFIG_REPRODUCERS } from '../support/config-reproducers.js';
import { FakeConfigHost } from '../support/fake-config-host.js';

const MAIN = '/etc/keepalived/keepalived.conf';
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const SAMPLES = '/usr/share/doc/keepalived/samples';

/** Regular text files under `dir` (recursively) of at most 16 KB whose name passes `keep`. */
function readTexts(dir: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const name of names) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...readTexts(p, keep));
    else if (st.isFile() && st.size <= 16 * 1024 && keep(name)) out.push(readFileSync(p, 'latin1'));
  }
  return out;
}

const fixtureConfigs = readTexts(FIXTURES, (n) => n.endsWith('.conf') || n.endsWith('.inc'));
const keepalivedSamples = readTexts(SAMPLES, (n) => n.startsWith('keepalived.conf'));

/** Lower limits for the random runs, so that an input that hits them costs milliseconds, not a second. */
const RUN_LIMITS: ExpansionLimits = { generatedLines: 2000, expansionBytes: 256 * 1024, expansionDepth: 64, substitutions: 10_000, inputBytes: 1024 * 1024 };
/** Runs per source: a short run in `npm test`; more with HAVIPD_PROPERTY_RUNS=N. */
const RUNS = Number(process.env['HAVIPD_PROPERTY_RUNS'] ?? 40);
/** Wall-clock guard for a whole property run (the CPU bound per input is the assertion). */
const RUN_TIMEOUT_MS = 60_000 + RUNS * 1000;
/** CPU time any one input may take (parse included): generous for a busy 2-core machine. */
const MAX_CPU_MS = 3000;

interface Checked {
  readonly codes: readonly string[];
  readonly cpuMs: number;
}

/** Preprocess and parse `main` (with helper files for includes); assert the bounds; never throws. */
function check(main: string, limits: ExpansionLimits): Checked {
  const host = new FakeConfigHost({
    [MAIN]: Buffer.from(main, 'latin1'),
    '/etc/keepalived/a.conf': 'include keepalived.conf\n$A\n',
    '/etc/keepalived/conf.d/x.conf': 'vrrp_script s { script "/bin/true" }\n',
  });
  const c0 = process.cpuUsage();
  const pre = preprocess(MAIN, host, { configId: 'node1', allConfig: false, random: () => 0.5, limits });
  const parsed = parseLines(pre.lines, { hostInterfaces: ['eth0'], files: pre.files });
  const c = process.cpuUsage(c0);
  const cpuMs = (c.user + c.system) / 1000;
  // work within the limits
  expect(pre.work.generatedLines).toBeLessThanOrEqual(limits.generatedLines + 1);
  expect(pre.work.expansionBytes).toBeLessThanOrEqual(limits.expansionBytes + 2048);
  expect(pre.work.inputBytes).toBeLessThanOrEqual(limits.inputBytes);
  // memory: what is kept is no larger than what was read plus what the expansion budget allows
  let outBytes = 0;
  for (const l of pre.lines) for (const t of l.tokens) outBytes += t.text.length + 1;
  expect(outBytes).toBeLessThanOrEqual(pre.work.inputBytes + limits.expansionBytes + 2048);
  // well-formed output, stable codes, file:line on every expansion diagnostic
  for (const d of [...pre.diagnostics, ...parsed.diagnostics]) expect(d.code).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  for (const d of pre.diagnostics) {
    if (d.code.startsWith('expansion-') || d.code.startsWith('substitution-')) expect(d.pos?.line).toBeGreaterThan(0);
  }
  expect(cpuMs).toBeLessThan(MAX_CPU_MS);
  return { codes: pre.diagnostics.map((d) => d.code), cpuMs };
}

// ───── mutations ─────

const SNIPPETS = [
  '{',
  '}',
  '"',
  '$A',
  '${A}',
  '$A=$A',
  '$A=$B\n$B=$A',
  '$A=\\\n  $A \\\n  $A',
  '$B=\\\n x \\\n y',
  '$A=\\\n x$A \\\n $A',
  '$X=x$X\nrouter_id $X',
  '$IF=$IF\ninterface $IF',
  '$IF=eth0',
  '$T= ~$T',
  'include keepalived.conf',
  'include a.conf',
  'include conf.d/*.conf',
  '@node1 router_id n1',
  '@^node1 router_id n2',
  '~LST({a,b},{1,2},{3,4}) 10.1.${a}.${b}',
  '${_RANDOM 1 9}',
  '\\#',
  '!',
];

const snippet: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...SNIPPETS),
  // nested ~SEQ, up to 1000^3 lines
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 1000 }), fc.boolean()).map(([depth, k, hex]) => {
    const vars = Array.from({ length: depth }, (_, i) => `v${i}`);
    return `${vars.map((v) => `~SEQ${hex ? 'x' : ''}(${v},1,${k})`).join(' ')} ${vars.map((v) => `\${${v}}`).join(' ')}`;
  }),
  // a multi-line definition whose lines use definitions (itself included)
  fc.array(fc.constantFrom('$M', '$A', 'x', '~SEQ(q,1,50) $q', '$N'), { minLength: 1, maxLength: 4 }).map((ls) => `$M=\\\n${ls.map((l) => ` ${l} \\`).join('\n')}\n end\n$M`),
  // long lines
  fc.tuple(fc.integer({ min: 900, max: 5000 }), fc.constantFrom('a', '$A ', '{', '"', ' ', '${A}', '# x')).map(([n, c]) => c.repeat(Math.ceil(n / c.length)).slice(0, n)),
  fc.string({ maxLength: 24 }),
);

type Mutation = ['delete' | 'duplicate', number] | ['swap', number, number] | ['insert' | 'append', number, string];
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.constantFrom<'delete' | 'duplicate'>('delete', 'duplicate'), fc.nat()),
  fc.tuple(fc.constant<'swap'>('swap'), fc.nat(), fc.nat()),
  fc.tuple(fc.constantFrom<'insert' | 'append'>('insert', 'insert', 'append'), fc.nat(), snippet),
);

function mutate(base: string, muts: readonly Mutation[]): string {
  const ls = base.split('\n');
  for (const m of muts) {
    const i = ls.length === 0 ? 0 : m[1] % ls.length;
    switch (m[0]) {
      case 'delete':
        ls.splice(i, 1);
        break;
      case 'duplicate':
        ls.splice(i, 0, ls[i] ?? '');
        break;
      case 'swap': {
        const j = ls.length === 0 ? 0 : m[2] % ls.length;
        [ls[i], ls[j]] = [ls[j] ?? '', ls[i] ?? ''];
        break;
      }
      case 'insert':
        ls.splice(i, 0, m[2]);
        break;
      case 'append':
        ls[i] = `${ls[i] ?? ''} ${m[2]}`;
        break;
    }
  }
  return ls.join('\n');
}

function mutationProperty(bases: readonly string[], seed: number, numRuns: number): void {
  fc.assert(
    fc.property(fc.nat(bases.length - 1), fc.array(mutation, { minLength: 1, maxLength: 10 }), (k, muts) => {
      const r = check(mutate(bases[k]!, muts), RUN_LIMITS);
      if (process.env['HAVIPD_PROPERTY_TRACE']) console.log(`cpu ${r.cpuMs.toFixed(1)} ms ${r.codes.filter((c) => /^(expansion|substitution|input)-/.test(c)).join(',')}`);
    }),
    { seed, numRuns },
  );
}

describe('config expansion is bounded on any input (issue 8 §4)', () => {
  it('finds the fixtures', () => {
    expect(fixtureConfigs.length).toBeGreaterThan(40);
  });

  it('mutated test fixtures parse within the limits (seed 0x45585031)', () => {
    mutationProperty(fixtureConfigs, 0x4558_5031, RUNS);
  }, RUN_TIMEOUT_MS);

  it.skipIf(keepalivedSamples.length === 0)('mutated keepalived samples parse within the limits (seed 0x45585032)', () => {
    mutationProperty(keepalivedSamples, 0x4558_5032, RUNS);
  }, RUN_TIMEOUT_MS);

  it('the default limits are the ones documented', () => {
    expect([MAX_GENERATED_LINES, MAX_EXPANSION_BYTES, MAX_INPUT_BYTES]).toEqual([50_000, 4 * 1024 * 1024, 16 * 1024 * 1024]);
  });

  it.each(Object.entries(CONFIG_REPRODUCERS))('regression (default limits): %s', (_name, text) => {
    const limits: ExpansionLimits = { generatedLines: MAX_GENERATED_LINES, expansionBytes: MAX_EXPANSION_BYTES, expansionDepth: 64, substitutions: 10_000, inputBytes: MAX_INPUT_BYTES };
    const r = check(text, limits);
    expect(r.codes.some((c) => c === 'substitution-loop' || c === 'expansion-too-large')).toBe(true);
  }, 60_000);
});
