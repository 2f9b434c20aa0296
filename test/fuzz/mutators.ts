// Mutators (bytes and config text) and a delta-debugging shrinker for the fuzzer. Pure functions of an Rng.
import type { Rng } from './rng.js';

const INTERESTING8 = [0, 1, 2, 3, 0x0f, 0x10, 0x20, 0x21, 0x31, 0x32, 0x7f, 0x80, 0xfe, 0xff];

/** One random byte-level edit of `b` (may change its length). */
export function mutateBytes(rng: Rng, b: Uint8Array, donors: readonly Uint8Array[] = []): Uint8Array {
  const n = b.length;
  switch (rng.int(10)) {
    case 0: {
      // flip one bit
      if (n === 0) return rng.bytes(1);
      const o = Uint8Array.from(b);
      o[rng.int(n)]! ^= 1 << rng.int(8);
      return o;
    }
    case 1:
    case 2: {
      // set a byte to an interesting or random value (the header bytes more often: version, vrid, count, auth, interval)
      if (n === 0) return Uint8Array.of(rng.pick(INTERESTING8));
      const o = Uint8Array.from(b);
      const i = rng.chance(0.6) ? rng.int(Math.min(n, 28)) : rng.int(n);
      o[i] = rng.chance(0.5) ? rng.pick(INTERESTING8) : rng.u32() & 0xff;
      return o;
    }
    case 3: {
      // truncate
      return b.slice(0, rng.int(n + 1));
    }
    case 4: {
      // extend with random or zero bytes
      const extra = rng.chance(0.5) ? rng.bytes(rng.range(1, 64)) : new Uint8Array(rng.range(1, 64));
      const o = new Uint8Array(n + extra.length);
      o.set(b);
      o.set(extra, n);
      return o;
    }
    case 5: {
      // delete a range
      if (n === 0) return b;
      const i = rng.int(n);
      const len = rng.range(1, Math.min(16, n - i));
      return Uint8Array.from([...b.subarray(0, i), ...b.subarray(i + len)]);
    }
    case 6: {
      // insert random bytes
      const i = rng.int(n + 1);
      return Uint8Array.from([...b.subarray(0, i), ...rng.bytes(rng.range(1, 16)), ...b.subarray(i)]);
    }
    case 7: {
      // 16-bit interesting value (length, checksum, interval fields)
      if (n < 2) return b;
      const o = Uint8Array.from(b);
      const i = rng.int(n - 1);
      const v = rng.pick([0, 1, 0x7fff, 0x8000, 0xffff, 0x0fff, 0x1000, n, n - 1, n + 1]) & 0xffff;
      o[i] = v >>> 8;
      o[i + 1] = v & 0xff;
      return o;
    }
    case 8: {
      // splice with a donor
      if (donors.length === 0) return b;
      const d = rng.pick(donors);
      const cut = rng.int(n + 1);
      return Uint8Array.from([...b.subarray(0, cut), ...d.subarray(rng.int(d.length + 1))]);
    }
    default: {
      // duplicate a chunk
      if (n === 0) return b;
      const i = rng.int(n);
      const len = rng.range(1, Math.min(32, n - i));
      return Uint8Array.from([...b.subarray(0, i + len), ...b.subarray(i, i + len), ...b.subarray(i + len)]);
    }
  }
}

// ───────────────────────────── config text ─────────────────────────────

const KEYWORDS = [
  'vrrp_instance', 'vrrp_sync_group', 'vrrp_script', 'global_defs', 'virtual_ipaddress', 'virtual_ipaddress_excluded', 'virtual_routes',
  'unicast_peer', 'unicast_src_ip', 'track_script', 'track_interface', 'track_file', 'authentication', 'auth_type', 'auth_pass', 'PASS', 'AH',
  'state', 'MASTER', 'BACKUP', 'interface', 'eth0', 'virtual_router_id', 'priority', 'advert_int', 'nopreempt', 'preempt_delay', 'version',
  'vrrp_version', 'weight', 'rise', 'fall', 'interval', 'script', 'notify', 'notify_master', 'include', 'garp_master_delay', 'smtp_alert',
  'static_ipaddress', 'static_routes', 'group', 'dev', 'scope', 'label', 'use_vmac', 'native_ipv6', 'router_id', 'enable_script_security',
  'script_user', 'vrrp_garp_interval', 'vrrp_mcast_group4', 'check_unicast_src', 'skip_check_adv_addr', '@id', '@^id', '!', '#', '"',
];

const HUGE = ['99999999999999999999', '4294967296', '4294967295', '2147483648', '-2147483649', '-1', '0', '1e309', '0x7fffffff', '1.00000000001',
  '18446744073709551616', '-0', 'NaN', 'Infinity', '255', '256', '4096', '65536', '10.0.0.1/99', '::/129', '999.999.999.999'];

const NON_UTF8: readonly (readonly number[])[] = [[0xff], [0xfe, 0xff], [0xc3, 0x28], [0xe2, 0x28, 0xa1], [0xf0, 0x90, 0x28, 0xbc], [0x80], [0xc0, 0xaf], [0x00], [0xed, 0xa0, 0x80]];

/** Lines of text from bytes (latin1, so every byte survives a round trip). */
function toLines(b: Uint8Array): string[] {
  return Buffer.from(b).toString('latin1').split('\n');
}
function fromLines(ls: readonly string[]): Uint8Array {
  return new Uint8Array(Buffer.from(ls.join('\n'), 'latin1'));
}

export interface ConfigMutationContext {
  /** Path of the main file (for self-includes). */
  readonly mainFile: string;
  /** Other files present in the in-memory host (include targets). */
  readonly otherFiles: readonly string[];
}

/** The line edits every text target shares, in place: 1–2 lines deleted, 1–3 duplicated, or two swapped. */
export function editLines(rng: Rng, ls: string[], edit: 'delete' | 'duplicate' | 'swap'): void {
  const line = (): number => rng.int(Math.max(1, ls.length));
  if (edit === 'delete') {
    ls.splice(line(), rng.range(1, 3));
  } else if (edit === 'duplicate') {
    const i = line();
    ls.splice(i, 0, ...ls.slice(i, i + rng.range(1, 4)));
  } else {
    const i = line();
    const j = line();
    [ls[i], ls[j]] = [ls[j] ?? '', ls[i] ?? ''];
  }
}

/** One random config-level edit of the file bytes. */
export function mutateConfig(rng: Rng, b: Uint8Array, ctx: ConfigMutationContext): Uint8Array {
  const ls = toLines(b);
  const at = (): number => rng.int(ls.length + 1);
  const line = (): number => rng.int(Math.max(1, ls.length));
  switch (rng.int(16)) {
    case 0:
      editLines(rng, ls, 'delete');
      break;
    case 1:
      editLines(rng, ls, 'duplicate');
      break;
    case 2:
      editLines(rng, ls, 'swap');
      break;
    case 3: {
      const i = line();
      const brace = rng.pick(['{', '}', '{ }', '}}', '{{', ' { ', '} {']);
      ls[i] = rng.chance(0.5) ? `${ls[i] ?? ''} ${brace}` : brace;
      break;
    }
    case 4: {
      const i = line();
      const toks = (ls[i] ?? '').split(/(\s+)/);
      toks.splice(rng.int(toks.length + 1), 0, ` ${rng.pick(KEYWORDS)} `);
      ls[i] = toks.join('');
      break;
    }
    case 5: {
      // a number replaced by a huge / odd one
      const i = line();
      const s = ls[i] ?? '';
      const nums = [...s.matchAll(/-?\d+(\.\d+)?/g)];
      if (nums.length > 0) {
        const m = rng.pick(nums);
        ls[i] = s.slice(0, m.index) + rng.pick(HUGE) + s.slice(m.index! + m[0].length);
      } else ls[i] = `${s} ${rng.pick(HUGE)}`;
      break;
    }
    case 6: {
      // non-UTF-8 bytes (latin1 chars map back to those bytes)
      const i = line();
      const s = ls[i] ?? '';
      const p = rng.int(s.length + 1);
      ls[i] = s.slice(0, p) + String.fromCharCode(...rng.pick(NON_UTF8)) + s.slice(p);
      break;
    }
    case 7: {
      const target = rng.chance(0.6) ? ctx.mainFile : rng.chance(0.5) && ctx.otherFiles.length > 0 ? rng.pick(ctx.otherFiles) : '/etc/keepalived/*.conf';
      ls.splice(at(), 0, `include ${rng.chance(0.3) ? target.replace('/etc/keepalived/', '') : target}`);
      break;
    }
    case 8: {
      // $VAR definitions, recursive or long
      const v = rng.pick(['A', 'B', 'VAR', 'X_1']);
      const w = rng.pick(['A', 'B', 'VAR', 'X_1']);
      const defs = [
        `$${v}=$${w}`,
        `$${v}=\${${w}} \${${w}}`,
        `$${v}=$${v}`,
        `$${v}=${'x'.repeat(rng.range(1, 2000))}`,
        `$${v}=vrrp_instance VI_$${w} {`,
        `$${v}`,
        `\${${v}}`,
      ];
      ls.splice(at(), 0, rng.pick(defs));
      if (rng.chance(0.5)) ls.splice(at(), 0, `priority $${v}`);
      break;
    }
    case 9: {
      // nested ~SEQ
      // large bounds (up to the preprocessor's expansion limits, ~0.5 s each) in 1 of 100, so a run tries many inputs
      const big = rng.chance(0.01);
      const n1 = big ? rng.pick(['300', '1000', '99999999999']) : rng.pick(['3', '10', '30', '-5', '0']);
      const n2 = big ? rng.pick(['100', '1000']) : rng.pick(['3', '10', '30']);
      const body = rng.pick(['$i $j', 'vrrp_instance V$i$j {', 'virtual_ipaddress { 10.0.$i.$j }', '$i', '~SEQ(k,1,1,$i) $k']);
      const seqs = [`~SEQ(i,1,1,${n1}) ${body}`, `~SEQ(i,1,1,${n1}) ~SEQ(j,1,1,${n2}) ${body}`, `~SEQ(i,${n1},-1,1) $i`, `~SEQ(i,1,${n1}) ~SEQ(j,$i) $j`, '~SEQ(', '~SEQ(i,1,0,10) $i'];
      ls.splice(at(), 0, rng.pick(seqs));
      break;
    }
    case 10: {
      // long line / long token
      const i = line();
      const tok = rng.pick(['a', '{', '1', ' ', '"', '\\', '$A']).repeat(rng.chance(0.1) ? rng.range(5_000, 50_000) : rng.range(100, 2_000));
      ls[i] = `${ls[i] ?? ''} ${tok}`;
      break;
    }
    case 11: {
      // conditional configuration / comments / quotes
      const i = line();
      ls[i] = `${rng.pick(['@id ', '@^id ', '# ', '! ', '"', "'", '@ '])}${ls[i] ?? ''}`;
      break;
    }
    case 12: {
      // a random block header
      ls.splice(at(), 0, `${rng.pick(['vrrp_instance', 'vrrp_sync_group', 'vrrp_script', 'global_defs', 'virtual_ipaddress', 'track_script', 'authentication'])} ${rng.pick(['VI_1', 'X', '', '{'])} {`);
      break;
    }
    case 13: {
      // splice: delete a block of lines from one point to another
      const i = line();
      ls.splice(i, rng.range(1, 20));
      break;
    }
    case 14: {
      // random printable junk line
      ls.splice(at(), 0, Buffer.from(rng.bytes(rng.range(1, 40))).toString('latin1').replace(/\n/g, ' '));
      break;
    }
    default: {
      // raw byte mutation
      return mutateBytes(rng, b);
    }
  }
  return fromLines(ls);
}

// ───────────────────────────── shrinking ─────────────────────────────

/**
 * Zeller's ddmin over a sequence, with a budget of predicate calls: returns a (1-minimal when the budget
 * allows) subsequence for which `fails` still holds. `fails(xs)` must hold for the input.
 */
export function ddmin<T>(xs: readonly T[], fails: (ys: readonly T[]) => boolean, budget = 2000): T[] {
  let cur = [...xs];
  let n = 2;
  let calls = 0;
  while (cur.length >= 2 && calls < budget) {
    const chunk = Math.ceil(cur.length / n);
    let reduced = false;
    for (let i = 0; i < n && calls < budget; i++) {
      const complement = [...cur.slice(0, i * chunk), ...cur.slice((i + 1) * chunk)];
      if (complement.length === cur.length) continue;
      calls++;
      if (fails(complement)) {
        cur = complement;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (n >= cur.length) break;
      n = Math.min(cur.length, n * 2);
    }
  }
  if (cur.length === 1 && calls < budget && fails([])) cur = [];
  return cur;
}

/** Shrinks bytes: ddmin over lines (when they look like text), then over bytes. */
export function shrinkBytes(b: Uint8Array, fails: (b: Uint8Array) => boolean, budget = 2000): Uint8Array {
  let cur = b;
  const ls = toLines(cur);
  if (ls.length > 2) {
    const kept = ddmin(ls, (ys) => fails(fromLines(ys)), Math.floor(budget / 2));
    cur = fromLines(kept);
  }
  const bytes = ddmin([...cur], (ys) => fails(Uint8Array.from(ys)), budget - Math.floor(budget / 2));
  return Uint8Array.from(bytes);
}

/** An input of a stateful target that carries the inputs run before it on the same state (a failure's history). */
export interface WithHistory<I> {
  readonly before?: readonly I[] | undefined;
}

/** `input` with `before` as its history (each without one of its own): the target's `withHistory`. */
export function withHistory<I extends WithHistory<I>>(before: readonly I[], input: I): I {
  return { ...input, before: before.map((b) => ({ ...b, before: undefined })) };
}

/** Runs `input`'s history on `state` (their failures ignored: they only build the state), then `input`. */
export function replayWithHistory<I extends WithHistory<I>, S>(input: I, state: S, run: (i: I, s: S) => void): void {
  for (const b of input.before ?? []) {
    try {
      run(b, state);
    } catch {
      // history only builds the state
    }
  }
  run(input, state);
}

/** Shrinks the history (ddmin, half the budget), then the bytes of `field` (the other half). */
export function shrinkWithHistory<I extends WithHistory<I>, K extends keyof I>(input: I, field: K & string, fails: (i: I) => boolean, budget: number): I {
  let cur = input;
  if (cur.before && cur.before.length > 0) {
    const kept = ddmin(cur.before, (bs) => fails({ ...cur, before: bs }), Math.floor(budget / 2));
    cur = { ...cur, before: kept };
  }
  const base = cur;
  const bytes = shrinkBytes(base[field] as Uint8Array, (b) => fails({ ...base, [field]: b }), Math.ceil(budget / 2));
  return { ...base, [field]: bytes };
}
