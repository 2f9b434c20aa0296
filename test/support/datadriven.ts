// A small reader / rewriter for datadriven test files in the style of cockroachdb/datadriven (used by
// etcd-io/raft's testdata/*.txt): each case is a command line, optional input lines, a `----` line, the
// expected output, and a blank line. Lines starting with `#` between cases are comments. With
// HAVIPD_REWRITE=1 the driver writes the actual output back, so a behaviour change is reviewed as a diff.
import { readFileSync, writeFileSync } from 'node:fs';

export interface DataCase {
  /** Comment and blank lines before the command, kept as written. */
  readonly pre: readonly string[];
  /** The command word and its arguments (`advert from=10.0.0.2 prio=110` → `advert`, {from, prio}). */
  readonly cmd: string;
  readonly args: ReadonlyMap<string, string>;
  /** Positional arguments (words without `=`). */
  readonly words: readonly string[];
  readonly line: string;
  /** 1-based line number of the command in the file. */
  readonly lineNo: number;
  /** Lines between the command and `----`. */
  readonly input: readonly string[];
  readonly expected: string;
}

export interface DataFile {
  readonly path: string;
  readonly cases: readonly DataCase[];
  /** Comment lines after the last case. */
  readonly trailer: readonly string[];
}

export function parseCommandLine(line: string): { cmd: string; args: Map<string, string>; words: string[] } {
  const parts = line.trim().split(/\s+/);
  const args = new Map<string, string>();
  const words: string[] = [];
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    if (eq > 0) args.set(p.slice(0, eq), p.slice(eq + 1));
    else words.push(p);
  }
  return { cmd: parts[0]!, args, words };
}

export function readDataFile(path: string): DataFile {
  const lines = readFileSync(path, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const cases: DataCase[] = [];
  let pre: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const l = lines[i]!;
    if (l.trim() === '' || l.startsWith('#')) {
      pre.push(l);
      i++;
      continue;
    }
    const lineNo = i + 1;
    const input: string[] = [];
    i++;
    while (i < lines.length && lines[i] !== '----') input.push(lines[i++]!);
    if (i >= lines.length) throw new Error(`${path}:${lineNo}: command without a ---- line`);
    i++;
    const out: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '') out.push(lines[i++]!);
    const { cmd, args, words } = parseCommandLine(l);
    cases.push({ pre, cmd, args, words, line: l, lineNo, input, expected: out.join('\n') });
    pre = [];
  }
  return { path, cases, trailer: pre };
}

/** Writes `file` back with `actual[k]` as the output of case k (rewrite mode). */
export function writeDataFile(file: DataFile, actual: readonly string[]): void {
  const out: string[] = [];
  file.cases.forEach((c, k) => {
    // A blank line separates cases; keep the file's own comments and spacing otherwise.
    out.push(...c.pre, c.line, ...c.input, '----', ...(actual[k] ?? '').split('\n'));
  });
  out.push(...file.trailer);
  writeFileSync(file.path, out.join('\n').replace(/\n*$/, '\n'));
}

export const rewriting = (): boolean => process.env.HAVIPD_REWRITE === '1';
