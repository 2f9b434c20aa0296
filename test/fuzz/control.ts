// Control-socket target (issue 14 §2): what a client of /run/havipd/havipd.sock can send. A byte stream of
// request lines — valid requests of every command (as `havipd status|reload|…` sends them) mutated at the
// JSON level (wrong types, huge/negative/float numbers, missing and extra fields, `__proto__`, deep nesting,
// long strings, lone surrogates, NUL, several objects on a line) and at the byte level, CRLF, blank lines, and
// lines over the 64 KiB limit — cut into random chunks and fed to the server's `LineSplitter`, each line
// through `parseRequest`, and each reply built as the server builds it through `encodeLine`.
// Invariants: nothing throws; the splitter returns exactly the non-blank lines a reference split gives (until
// it reports an overflow, which happens only for a line over the limit) and never a line over the limit;
// `parseRequest` is deterministic, answers a known error code or a request of a known command with valid
// arguments (id a string of ≤ 128 characters, a number or null; instance matching the name rule; events limit
// 0..10000); every reply is exactly one line of JSON that parses back.
import { COMMANDS, encodeLine, LineSplitter, MAX_LINE, parseRequest, type ErrorCode } from '../../src/ops/protocol.js';
import { ddmin } from './mutators.js';
import type { Rng } from './rng.js';
import { InvariantError, type FuzzTarget, type TargetInstance } from './target.js';

/** One input: the chunks a client writes on one connection (as latin1-safe strings: the server reads utf8 text). */
export interface ControlInput {
  readonly chunks: readonly string[];
}

const ERROR_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'bad-json', 'bad-request', 'unknown-command', 'line-too-long', 'too-many-connections', 'too-many-requests', 'not-permitted', 'no-such-instance', 'refused', 'internal',
]);
const INSTANCE_RE = /^[\x21-\x7e]{1,256}$/;

/** What the client sends for each command (src/ops/control-client.ts and the README's schema). */
const VALID: readonly Record<string, unknown>[] = [
  { cmd: 'ping' }, { id: 1, cmd: 'status' }, { id: 'a', cmd: 'status', instance: 'VI_1' }, { cmd: 'events', limit: 100 },
  { id: 2, cmd: 'events', limit: 0, follow: true }, { cmd: 'reload' }, { cmd: 'garp', instance: 'VI_1' }, { cmd: 'switchover' },
  { id: 3, cmd: 'switchover', instance: 'VI_2' }, { cmd: 'maintenance', on: true }, { cmd: 'maintenance', instance: 'VI_1', on: false },
];

const WEIRD_VALUES: readonly unknown[] = [
  null, true, false, 0, -1, 1.5, 1e308, -1e308, 10_000, 10_001, 2 ** 53, '', 'x'.repeat(300), '\u0000', '\ud800', 'VI 1', [], {}, [1, [2, [3]]],
  { cmd: 'ping' }, 'ping', 'status', 'ＶＩ＿１', '../../etc/passwd', '$(reboot)',
];
const FIELDS = ['id', 'cmd', 'instance', 'limit', 'follow', 'on', '__proto__', 'constructor', 'toString', 'extra'];

function nested(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

function mutateRequest(rng: Rng, base: Record<string, unknown>): string {
  const o: Record<string, unknown> = { ...base };
  const n = rng.range(1, 4);
  for (let k = 0; k < n; k++) {
    const f = rng.pick(FIELDS);
    const r = rng.int(4);
    if (r === 0) delete o[f];
    else if (r === 1) o[f] = rng.pick(WEIRD_VALUES);
    else if (r === 2) o[f] = rng.pick(COMMANDS);
    else o[f] = rng.u32() - 0x8000_0000;
  }
  let s = JSON.stringify(o);
  if (s.includes('"__proto__"') === false && rng.chance(0.1)) s = s.replace('{', '{"__proto__":{"cmd":"reload"},');
  return s;
}

function mutateText(rng: Rng, s: string): string {
  const n = rng.range(1, 4);
  let out = s;
  for (let k = 0; k < n; k++) {
    const at = rng.int(out.length + 1);
    const r = rng.int(7);
    if (r === 0) out = out.slice(0, at) + out.slice(at + rng.range(1, 8));
    else if (r === 1) out = out.slice(0, at) + rng.pick(['{', '}', '"', ':', ',', '\\', '\\u', '[', ']', '\u0000', '\ud83d', '\n', '\r\n', ' ']) + out.slice(at);
    else if (r === 2) out = out.slice(0, at) + String.fromCharCode(rng.int(0x110)) + out.slice(at);
    else if (r === 3) out = out + out;
    else if (r === 4) out = out.slice(0, at);
    else if (r === 5) out = out.slice(0, at) + '9'.repeat(rng.range(1, 400)) + out.slice(at);
    else out = out.replace(/"cmd"/, rng.pick(['"CMD"', '"cmd "', '"c\\u006dd"', '"cmd","cmd":"reload"']));
  }
  return out;
}

function oneLine(rng: Rng): string {
  const r = rng.int(20);
  if (r < 6) return JSON.stringify(rng.pick(VALID));
  if (r < 12) return mutateRequest(rng, rng.pick(VALID));
  if (r < 16) return mutateText(rng, JSON.stringify(rng.pick(VALID)));
  if (r === 16) return nested(rng.range(100, 20_000));
  if (r === 17) {
    // around the limit: long instance names, and lines of exactly MAX_LINE - 2 .. MAX_LINE + 1 characters
    const len = rng.chance(0.5) ? rng.range(200, MAX_LINE + 100) : MAX_LINE - 2 + rng.int(4) - 30;
    return `{"cmd":"status","instance":"${'A'.repeat(len)}"}`;
  }
  if (r === 18) return rng.chance(0.5) ? '' : ' \t ';
  return Array.from(rng.bytes(rng.int(200)), (b) => String.fromCharCode(b)).join('');
}

export function generateControl(rng: Rng): ControlInput {
  const lines = Array.from({ length: rng.range(1, 12) }, () => oneLine(rng));
  let text = lines.map((l) => l + (rng.chance(0.1) ? '\r\n' : '\n')).join('');
  if (rng.chance(0.03)) text += 'x'.repeat(MAX_LINE + rng.range(1, 2000)); // an unterminated flood
  if (rng.chance(0.3)) text = text.slice(0, rng.int(text.length + 1)); // the client went away mid-line
  // cut where the network might: anywhere, including inside a UTF-16 pair
  const chunks: string[] = [];
  let at = 0;
  while (at < text.length && chunks.length < 10_000) {
    const len = rng.chance(0.3) ? rng.range(1, 8) : rng.range(1, 70_000);
    chunks.push(text.slice(at, at + len));
    at += len;
  }
  if (at < text.length) chunks.push(text.slice(at));
  return { chunks };
}

function checkParse(line: string): void {
  const p = parseRequest(line);
  const q = parseRequest(line);
  if (JSON.stringify(p) !== JSON.stringify(q)) throw new InvariantError('parseRequest is not deterministic');
  let reply: unknown;
  if (p.ok) {
    const r = p.request;
    if (!(COMMANDS as readonly string[]).includes(r.cmd)) throw new InvariantError(`parseRequest accepted unknown command '${String(r.cmd)}'`);
    if (!(r.id === null || typeof r.id === 'number' || (typeof r.id === 'string' && r.id.length <= 128))) throw new InvariantError(`bad request id ${JSON.stringify(r.id)}`);
    if ('instance' in r && r.instance !== undefined && !INSTANCE_RE.test(r.instance)) throw new InvariantError(`bad instance accepted ${JSON.stringify(r.instance)}`);
    if (r.cmd === 'events' && !(Number.isInteger(r.limit) && r.limit >= 0 && r.limit <= 10_000)) throw new InvariantError(`bad events limit accepted ${r.limit}`);
    if (r.cmd === 'maintenance' && typeof r.on !== 'boolean') throw new InvariantError('maintenance without a boolean "on" accepted');
    reply = { ...(r.id !== null ? { id: r.id } : {}), ok: true, result: { cmd: r.cmd } };
  } else {
    if (!ERROR_CODES.has(p.code)) throw new InvariantError(`unknown error code '${p.code}'`);
    if (line.length <= MAX_LINE && p.code === 'line-too-long') throw new InvariantError('a line within the limit refused as too long');
    reply = { ...(p.id !== null ? { id: p.id } : {}), ok: false, error: { code: p.code, message: p.message } };
  }
  const enc = encodeLine(reply);
  if (!enc.endsWith('\n') || enc.indexOf('\n') !== enc.length - 1) throw new InvariantError('a reply is not exactly one line');
  JSON.parse(enc);
}

export function runControl(i: ControlInput): void {
  const splitter = new LineSplitter(MAX_LINE);
  const got: string[] = [];
  let overflow = false;
  for (const c of i.chunks) {
    const r = splitter.push(c);
    for (const l of r.lines) {
      if (l.length > MAX_LINE) throw new InvariantError(`LineSplitter returned a line of ${l.length} > ${MAX_LINE}`);
      got.push(l);
    }
    if (r.overflow) {
      overflow = true;
      break; // the server answers line-too-long and closes
    }
  }
  // the reference split: complete lines only, CR before LF dropped, blank lines skipped
  const text = i.chunks.join('');
  const parts = text.split('\n');
  parts.pop(); // the unterminated tail is never a line
  const want: string[] = [];
  let longLine = false;
  for (const p of parts) {
    const l = p.replace(/\r$/, '');
    if (l.length > MAX_LINE) {
      longLine = true;
      break;
    }
    if (l.trim() !== '') want.push(l);
  }
  const tail = text.slice(text.lastIndexOf('\n') + 1);
  if (overflow && !longLine && tail.length <= MAX_LINE + (tail.endsWith('\r') ? 1 : 0)) throw new InvariantError('LineSplitter overflowed without a line over the limit');
  if (!overflow && tail.length > MAX_LINE + 1) throw new InvariantError('LineSplitter buffered an unterminated line over the limit without an overflow');
  if (!overflow && longLine) throw new InvariantError('LineSplitter passed a line over the limit without an overflow');
  const prefix = overflow ? want.slice(0, got.length) : want;
  if (got.length !== prefix.length || got.some((l, k) => l !== prefix[k])) throw new InvariantError(`LineSplitter lines differ from the reference split (${got.length} vs ${prefix.length})`);
  for (const l of got) checkParse(l);
}

export const controlTarget: FuzzTarget<ControlInput> = {
  name: 'control',
  defaultCount: 100_000,
  setup(): TargetInstance<ControlInput> {
    return {
      generate: (rng) => generateControl(rng),
      run: (i) => runControl(i),
      replay: (i) => runControl(i),
      shrink(i, fails, budget) {
        const chunks = ddmin(i.chunks, (cs) => fails({ chunks: cs }), Math.floor(budget / 2));
        // then shorten each chunk from the end while it still fails
        const out = [...chunks];
        let calls = 0;
        for (let k = 0; k < out.length && calls < budget / 2; k++) {
          let len = out[k]!.length;
          while (len > 0 && calls < budget / 2) {
            const half = Math.floor(len / 2);
            calls++;
            const trial = [...out];
            trial[k] = out[k]!.slice(0, half);
            if (fails({ chunks: trial })) {
              out[k] = trial[k]!;
              len = half;
            } else break;
          }
        }
        return { chunks: out };
      },
      toJson: (i) => ({ chunks: [...i.chunks] }),
      fromJson: (j) => ({ chunks: (j as { chunks: string[] }).chunks }),
      describe: (i) => {
        const t = i.chunks.join('');
        return `${i.chunks.length} chunk(s), ${t.length} chars: ${JSON.stringify(t.slice(0, 80))}`;
      },
    };
  },
};
