// `havipd doctor`: does the local packet filter let VRRP (IP protocol 112, RFC 5798 §5.1.1.4) through
// between us and a peer? Reads `nft -j list ruleset` and `iptables-save` / `ip6tables-save` text into one
// small rule model and walks it for a VRRP packet, conservatively: a match it cannot read makes the rule
// "may match", a verdict it cannot follow makes the outcome "may drop", and only a rule it fully
// understands makes a definite drop. Pure: the shell runs the tools and hands their output in.

import { addressBytes, type Family } from '../net/inet.js';

// ───────────────────────────── the rule model ─────────────────────────────

/** What a match tests, as far as a VRRP packet is concerned. */
export type MatchField =
  /** The L4 protocol (nft `ip protocol` / `meta l4proto` / `ip6 nexthdr`; iptables `-p`). */
  | 'l4proto'
  | 'saddr'
  | 'daddr'
  | 'iifname'
  | 'oifname'
  /** The packet's family (nft `meta nfproto`, `meta protocol`, an `ip …` / `ip6 …` payload dependency). */
  | 'family';

/** One value a match compares with: a number, a name, an address or prefix, a range. */
export type MatchValue =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'name'; readonly value: string }
  | { readonly kind: 'prefix'; readonly address: string; readonly len: number }
  | { readonly kind: 'range'; readonly from: number; readonly to: number };

export type Match =
  | { readonly kind: 'test'; readonly field: MatchField; readonly negate: boolean; readonly values: readonly MatchValue[] }
  /** Something the packet certainly does not have (`tcp dport 22` on a VRRP packet). */
  | { readonly kind: 'never'; readonly text: string }
  /** A match this reader does not understand: it may or may not match. */
  | { readonly kind: 'unknown'; readonly text: string };

export type Verdict =
  | { readonly kind: 'accept' | 'drop' | 'return' }
  | { readonly kind: 'jump' | 'goto'; readonly target: string }
  /** A terminal statement this reader does not follow (queue, an iptables target it does not know…). */
  | { readonly kind: 'unknown'; readonly text: string };

export interface Rule {
  readonly matches: readonly Match[];
  /** `undefined`: no verdict (counter, log…): evaluation goes on with the next rule. */
  readonly verdict: Verdict | undefined;
  /** Where the rule is, for messages (`inet t in handle 3`, `filter INPUT rule 2`). */
  readonly where: string;
}

export type Hook = 'prerouting' | 'input' | 'output' | 'postrouting' | 'ingress';

export interface Chain {
  /** nft family (`ip`, `ip6`, `inet`, `netdev`, …); iptables: `ip` or `ip6`. */
  readonly family: string;
  readonly table: string;
  readonly name: string;
  /** Base chains only. */
  readonly hook: Hook | undefined;
  readonly prio: number;
  /** Base chains only; `undefined` = accept. */
  readonly policy: 'accept' | 'drop' | undefined;
  /** nft chain type (`filter`, `nat`, `route`); nat chains do not filter. */
  readonly type: string | undefined;
  readonly rules: readonly Rule[];
}

export interface Ruleset {
  readonly source: 'nft' | 'iptables' | 'ip6tables';
  readonly chains: readonly Chain[];
  /** Rules or objects skipped as unreadable (counted, for the report). */
  readonly unreadable: number;
}

/** A VRRP packet as the filter sees it. */
export interface VrrpPacket {
  readonly family: Family;
  readonly direction: 'in' | 'out';
  readonly src: string;
  readonly dst: string;
  readonly ifname: string;
}

export type FilterOutcome =
  | { readonly verdict: 'accept' }
  /** Certainly dropped, by `where` (a rule or a chain policy). */
  | { readonly verdict: 'drop'; readonly where: string }
  /** Possibly dropped: a rule that may match drops, or a verdict this reader cannot follow. */
  | { readonly verdict: 'maybe-drop'; readonly where: string };

// ───────────────────────────── helpers ─────────────────────────────

/** IP protocol numbers of the names nft and iptables print (from /etc/protocols). */
const PROTOCOLS: Readonly<Record<string, number>> = {
  icmp: 1, igmp: 2, ipip: 4, tcp: 6, egp: 8, udp: 17, ipv6: 41, gre: 47, esp: 50, ah: 51,
  'ipv6-icmp': 58, icmpv6: 58, vrrp: 112, l2tp: 115, sctp: 132, udplite: 136, dccp: 33, comp: 108, pim: 103, ospf: 89,
};

/** Protocol number of a value; a name other than a known one is not 112 (nft prints 112 as `vrrp`). */
function protocolNumber(v: MatchValue): number | 'range' | undefined {
  if (v.kind === 'number') return v.value;
  if (v.kind === 'name') {
    const n = v.value.toLowerCase();
    if (/^\d+$/.test(n)) return Number(n);
    if (n === 'all') return undefined;
    return PROTOCOLS[n] ?? -1;
  }
  return v.kind === 'range' ? 'range' : -1;
}

function inPrefix(address: string, prefix: string, len: number, family: Family): boolean | undefined {
  const a = addressBytes(address, family);
  const p = addressBytes(prefix, family);
  if (!a || !p) return prefix.includes(':') === (family === 6) ? undefined : false;
  if (len < 0 || len > a.length * 8) return undefined;
  for (let bit = 0; bit < len; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if (((a[byte] ?? 0) & mask) !== ((p[byte] ?? 0) & mask)) return false;
  }
  return true;
}

function valueMatches(field: MatchField, v: MatchValue, pkt: VrrpPacket): boolean | undefined {
  switch (field) {
    case 'l4proto': {
      const n = protocolNumber(v);
      if (n === undefined) return true;
      if (n === 'range') return v.kind === 'range' ? v.from <= 112 && 112 <= v.to : undefined;
      return n === 112;
    }
    case 'family': {
      if (v.kind !== 'name') return undefined;
      const name = v.value.toLowerCase();
      if (name === 'ipv4' || name === 'ip') return pkt.family === 4;
      if (name === 'ipv6' || name === 'ip6') return pkt.family === 6;
      return false;
    }
    case 'saddr':
    case 'daddr': {
      const addr = field === 'saddr' ? pkt.src : pkt.dst;
      if (v.kind === 'prefix') return inPrefix(addr, v.address, v.len, pkt.family);
      if (v.kind === 'name') {
        const [a, l] = v.value.split('/');
        if (a === undefined) return undefined;
        const len = l === undefined ? (pkt.family === 4 ? 32 : 128) : Number(l);
        if (addressBytes(a, 4) === undefined && addressBytes(a, 6) === undefined) return undefined; // a host name, a set
        return inPrefix(addr, a, len, pkt.family);
      }
      return undefined;
    }
    case 'iifname':
    case 'oifname': {
      if ((field === 'iifname') !== (pkt.direction === 'in')) return false; // no input interface on output
      if (v.kind !== 'name') return undefined;
      const pat = v.value;
      if (pat.endsWith('*') || pat.endsWith('+')) return pkt.ifname.startsWith(pat.slice(0, -1));
      return pkt.ifname === pat;
    }
  }
}

/** Whether one match matches the packet: true, false, or `undefined` when this reader cannot tell. */
export function matchMatches(m: Match, pkt: VrrpPacket): boolean | undefined {
  if (m.kind === 'never') return false;
  if (m.kind === 'unknown') return undefined;
  if ((m.field === 'iifname' && pkt.direction === 'out') || (m.field === 'oifname' && pkt.direction === 'in')) {
    // No such interface on this path: nft / iptables do not match (a negated one does).
    return m.negate;
  }
  let any: boolean | undefined = false;
  for (const v of m.values) {
    const r = valueMatches(m.field, v, pkt);
    if (r === true) {
      any = true;
      break;
    }
    if (r === undefined) any = undefined;
  }
  if (any === undefined) return undefined;
  return m.negate ? !any : any;
}

/** A rule's matches together: false if one is false, true if all are true, else `undefined`. */
export function ruleMatches(rule: Rule, pkt: VrrpPacket): boolean | undefined {
  let all: boolean | undefined = true;
  for (const m of rule.matches) {
    const r = matchMatches(m, pkt);
    if (r === false) return false;
    if (r === undefined) all = undefined;
  }
  return all;
}

type Out = 'accept' | 'drop' | 'return';
/** The outcomes a walk can end with, each with the first place it came from. */
type Outs = Map<Out | 'continue', string>;

const MAX_DEPTH = 16;

function add(outs: Outs, o: Out | 'continue', where: string): void {
  if (!outs.has(o)) outs.set(o, where);
}

/**
 * Every outcome a chain can have for the packet: `accept`, `drop`, or `return` (fell off its end or hit a
 * `return`). A rule that may match adds its outcomes and the walk goes on; a rule that surely matches ends it.
 */
function walkChain(chains: ReadonlyMap<string, Chain>, chain: Chain, pkt: VrrpPacket, depth: number): Outs {
  const outs: Outs = new Map();
  for (const rule of chain.rules) {
    const m = ruleMatches(rule, pkt);
    const v = rule.verdict;
    if (m === false || v === undefined) continue;
    let sub: Outs;
    if (v.kind === 'accept' || v.kind === 'drop' || v.kind === 'return') {
      sub = new Map([[v.kind, rule.where]]);
    } else if ((v.kind === 'jump' || v.kind === 'goto') && chains.has(`${chain.family} ${chain.table} ${v.target}`) && depth < MAX_DEPTH) {
      const inner = walkChain(chains, chains.get(`${chain.family} ${chain.table} ${v.target}`)!, pkt, depth + 1);
      sub = new Map();
      // A jump's `return` goes on in this chain; a goto's returns from this chain.
      for (const [o, w] of inner) add(sub, o === 'return' && v.kind === 'jump' ? 'continue' : o, w);
    } else {
      const what = v.kind === 'unknown' ? v.text : v.kind === 'jump' || v.kind === 'goto' ? `${v.kind} ${v.target}` : v.kind;
      const w = `${rule.where} (${what})`;
      sub = new Map([['accept', w], ['drop', w], ['continue', w]]);
    }
    for (const [o, w] of sub) if (o !== 'continue') add(outs, o, w);
    if (m === true && !sub.has('continue')) return outs;
  }
  add(outs, 'return', `end of ${chain.family} ${chain.table} ${chain.name}`);
  return outs;
}

/** Hooks a packet in `direction` crosses, in order. */
const HOOKS: Readonly<Record<VrrpPacket['direction'], readonly Hook[]>> = {
  in: ['ingress', 'prerouting', 'input'],
  out: ['output', 'postrouting'],
};

function chainApplies(c: Chain, pkt: VrrpPacket): boolean {
  if (c.hook === undefined || c.type === 'nat') return false;
  if (!HOOKS[pkt.direction].includes(c.hook)) return false;
  if (c.family === 'inet' || c.family === 'netdev') return true;
  return (c.family === 'ip' && pkt.family === 4) || (c.family === 'ip6' && pkt.family === 6);
}

/**
 * What the rulesets do to a VRRP packet. Every base chain on the packet's hooks must accept it (an accept
 * ends one chain; the next chain on the hook still sees the packet); a drop anywhere is final.
 * Does not evaluate named sets, maps, conntrack state, rate limits or marks: matches on them make a
 * rule "may match".
 */
export function evaluateFilter(rulesets: readonly Ruleset[], pkt: VrrpPacket): FilterOutcome {
  let maybe: string | undefined;
  for (const rs of rulesets) {
    const byName = new Map(rs.chains.map((c) => [`${c.family} ${c.table} ${c.name}`, c]));
    const order = HOOKS[pkt.direction];
    const bases = rs.chains.filter((c) => chainApplies(c, pkt)).sort((a, b) => order.indexOf(a.hook as Hook) - order.indexOf(b.hook as Hook) || a.prio - b.prio);
    for (const c of bases) {
      const outs = walkChain(byName, c, pkt, 0);
      const ret = outs.get('return');
      if (ret !== undefined) {
        outs.delete('return');
        if (c.policy === 'drop') add(outs, 'drop', `policy drop of ${c.family} ${c.table} ${c.name}`);
        else add(outs, 'accept', ret);
      }
      const drop = outs.get('drop');
      if (drop === undefined) continue;
      if (!outs.has('accept')) return { verdict: 'drop', where: drop };
      maybe ??= drop;
    }
  }
  return maybe === undefined ? { verdict: 'accept' } : { verdict: 'maybe-drop', where: maybe };
}

// ───────────────────────────── nft -j list ruleset ─────────────────────────────

type Json = unknown;
const obj = (v: Json): Record<string, Json> | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, Json>) : undefined);

function nftValues(right: Json): MatchValue[] | undefined {
  if (typeof right === 'number') return [{ kind: 'number', value: right }];
  if (typeof right === 'string') return [{ kind: 'name', value: right }];
  if (Array.isArray(right)) {
    const out: MatchValue[] = [];
    for (const r of right) {
      const v = nftValues(r);
      if (!v) return undefined;
      out.push(...v);
    }
    return out;
  }
  const o = obj(right);
  if (!o) return undefined;
  if ('set' in o) return nftValues(o.set);
  const p = obj(o.prefix);
  if (p && typeof p.addr === 'string' && typeof p.len === 'number') return [{ kind: 'prefix', address: p.addr, len: p.len }];
  const r = o.range;
  if (Array.isArray(r) && r.length === 2 && typeof r[0] === 'number' && typeof r[1] === 'number') return [{ kind: 'range', from: r[0], to: r[1] }];
  return undefined; // a named set (`@name`), a map, a concatenation…
}

/** Transport-layer protocols whose headers nft can match: on a VRRP packet such a match never holds. */
const L4_PAYLOADS = new Set(['tcp', 'udp', 'udplite', 'sctp', 'dccp', 'icmp', 'icmpv6', 'esp', 'ah', 'comp', 'igmp', 'gre']);

function nftMatch(m: Record<string, Json>): Match[] {
  const text = JSON.stringify(m).slice(0, 200);
  const op = m.op;
  const left = obj(m.left);
  const negate = op === '!=';
  if ((op !== '==' && op !== '!=' && op !== 'in') || !left) return [{ kind: 'unknown', text }];
  const values = nftValues(m.right);
  const test = (field: MatchField): Match[] => (values ? [{ kind: 'test', field, negate, values }] : [{ kind: 'unknown', text }]);
  const payload = obj(left.payload);
  if (payload) {
    const proto = payload.protocol;
    const field = payload.field;
    if (typeof proto === 'string' && L4_PAYLOADS.has(proto)) return [{ kind: 'never', text }];
    if (proto === 'ip' || proto === 'ip6') {
      // `ip …` in an inet / netdev table also matches only that family.
      const fam: Match = { kind: 'test', field: 'family', negate: false, values: [{ kind: 'name', value: proto }] };
      if ((proto === 'ip' && field === 'protocol') || (proto === 'ip6' && field === 'nexthdr')) return [fam, ...test('l4proto')];
      if (field === 'saddr' || field === 'daddr') return [fam, ...test(field)];
      return [fam, { kind: 'unknown', text }];
    }
    return [{ kind: 'unknown', text }];
  }
  const meta = obj(left.meta);
  if (meta) {
    switch (meta.key) {
      case 'l4proto':
        return test('l4proto');
      case 'nfproto':
      case 'protocol':
        return test('family');
      case 'iifname':
      case 'iif':
        return test('iifname');
      case 'oifname':
      case 'oif':
        return test('oifname');
      default:
        return [{ kind: 'unknown', text }];
    }
  }
  return [{ kind: 'unknown', text }];
}

function nftRule(r: Record<string, Json>): Rule | undefined {
  const expr = r.expr;
  if (!Array.isArray(expr)) return undefined;
  const where = `${String(r.family)} ${String(r.table)} ${String(r.chain)} handle ${String(r.handle)}`;
  const matches: Match[] = [];
  let verdict: Verdict | undefined;
  for (const e of expr) {
    const o = obj(e);
    if (!o) return undefined;
    const key = Object.keys(o)[0];
    if (key === undefined) continue;
    const val = o[key];
    switch (key) {
      case 'match': {
        const m = obj(val);
        matches.push(...(m ? nftMatch(m) : [{ kind: 'unknown' as const, text: 'match' }]));
        break;
      }
      case 'accept':
      case 'drop':
      case 'return':
        verdict = { kind: key };
        break;
      case 'reject':
        verdict = { kind: 'drop' };
        break;
      case 'jump':
      case 'goto': {
        const t = obj(val)?.target;
        verdict = typeof t === 'string' ? { kind: key, target: t } : { kind: 'unknown', text: key };
        break;
      }
      case 'continue':
      case 'counter':
      case 'log':
      case 'mangle':
      case 'notrack':
      case 'ct':
      case 'meta':
        // Statements without a verdict (a `meta`/`ct` here is a set statement: `meta mark set …`).
        break;
      case 'queue':
      case 'xt':
        verdict = { kind: 'unknown', text: key };
        break;
      default:
        // limit, quota, set updates, nat…: a rule this reader does not follow may or may not match.
        matches.push({ kind: 'unknown', text: key });
    }
    if (verdict) break;
  }
  return { matches, verdict, where };
}

const HOOK_NAMES = new Set<string>(['prerouting', 'input', 'output', 'postrouting', 'ingress']);

/**
 * Reads `nft -j list ruleset`. Never throws: text that is no nft JSON gives `undefined`; objects it cannot
 * read are counted in `unreadable` (a rule it cannot read stays in as "may match, may drop").
 */
export function parseNftJson(text: string): Ruleset | undefined {
  let doc: Json;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  const items = obj(doc)?.nftables;
  if (!Array.isArray(items)) return undefined;
  const chains = new Map<string, { base: Omit<Chain, 'rules'>; rules: Rule[] }>();
  let unreadable = 0;
  for (const item of items) {
    const o = obj(item);
    const c = obj(o?.chain);
    if (c) {
      const key = `${String(c.family)} ${String(c.table)} ${String(c.name)}`;
      const hook = typeof c.hook === 'string' && HOOK_NAMES.has(c.hook) ? (c.hook as Hook) : undefined;
      chains.set(key, {
        base: {
          family: String(c.family),
          table: String(c.table),
          name: String(c.name),
          hook,
          prio: typeof c.prio === 'number' ? c.prio : 0,
          policy: c.policy === 'drop' ? 'drop' : c.policy === 'accept' ? 'accept' : undefined,
          type: typeof c.type === 'string' ? c.type : undefined,
        },
        rules: [],
      });
    }
    const r = obj(o?.rule);
    if (r) {
      const chain = chains.get(`${String(r.family)} ${String(r.table)} ${String(r.chain)}`);
      const rule = nftRule(r);
      if (!rule) unreadable++;
      if (chain) chain.rules.push(rule ?? { matches: [{ kind: 'unknown', text: 'rule' }], verdict: { kind: 'unknown', text: 'unreadable rule' }, where: `${String(r.family)} ${String(r.table)} ${String(r.chain)} handle ${String(r.handle)}` });
    }
  }
  return { source: 'nft', chains: [...chains.values()].map((c) => ({ ...c.base, rules: c.rules })), unreadable };
}

// ───────────────────────────── iptables-save ─────────────────────────────

const BUILTIN_HOOK: Readonly<Record<string, Hook>> = { PREROUTING: 'prerouting', INPUT: 'input', OUTPUT: 'output', POSTROUTING: 'postrouting' };
/** iptables tables in hook order at the same hook (raw, mangle, nat, filter, security). */
const TABLE_PRIO: Readonly<Record<string, number>> = { raw: -300, mangle: -150, nat: -100, filter: 0, security: 50 };

/** Splits an iptables-save rule line into words (double quotes group, as iptables-save writes comments). */
export function splitWords(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line)) !== null) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] as string));
  return out;
}

function iptRule(words: readonly string[], where: string, isChain: (name: string) => boolean): Rule {
  const matches: Match[] = [];
  let verdict: Verdict | undefined;
  let negate = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    const arg = words[i + 1];
    const take = (): string => {
      i++;
      return arg ?? '';
    };
    const neg = negate;
    negate = false;
    switch (w) {
      case '!':
        negate = true;
        break;
      case '-p':
      case '--protocol':
        matches.push({ kind: 'test', field: 'l4proto', negate: neg, values: [{ kind: 'name', value: take() }] });
        break;
      case '-s':
      case '--source':
      case '-d':
      case '--destination': {
        const field = w === '-s' || w === '--source' ? 'saddr' : 'daddr';
        matches.push({ kind: 'test', field, negate: neg, values: take().split(',').map((v) => ({ kind: 'name' as const, value: v })) });
        break;
      }
      case '-i':
      case '--in-interface':
        matches.push({ kind: 'test', field: 'iifname', negate: neg, values: [{ kind: 'name', value: take() }] });
        break;
      case '-o':
      case '--out-interface':
        matches.push({ kind: 'test', field: 'oifname', negate: neg, values: [{ kind: 'name', value: take() }] });
        break;
      case '-m':
      case '--match': {
        const mod = take();
        if (mod === 'comment') {
          // `-m comment --comment TEXT` matches everything.
          if (words[i + 1] === '--comment') i += 2;
          break;
        }
        // Any other match module: its options follow; the rule may or may not match.
        matches.push({ kind: 'unknown', text: `-m ${mod}` });
        while (words[i + 1] !== undefined && (words[i + 1] as string).startsWith('--') && !['--jump', '--goto'].includes(words[i + 1] as string)) {
          i++;
          if (words[i + 1] !== undefined && !(words[i + 1] as string).startsWith('-')) i++;
        }
        break;
      }
      case '-j':
      case '--jump':
      case '-g':
      case '--goto': {
        const t = take();
        const goto = w === '-g' || w === '--goto';
        if (t === 'ACCEPT') verdict = { kind: 'accept' };
        else if (t === 'DROP' || t === 'REJECT') verdict = { kind: 'drop' };
        else if (t === 'RETURN') verdict = { kind: 'return' };
        else if (['LOG', 'NFLOG', 'MARK', 'CONNMARK', 'TRACE', 'CT', 'NOTRACK', 'DSCP', 'TOS', 'TTL', 'CLASSIFY'].includes(t)) verdict = undefined;
        else if (!isChain(t)) verdict = { kind: 'unknown', text: t }; // a target extension (NFQUEUE, SNAT, …)
        else verdict = { kind: goto ? 'goto' : 'jump', target: t };
        // A target's own options follow (`--reject-with …`): nothing more to read.
        i = words.length;
        break;
      }
      default:
        if (w.startsWith('-')) matches.push({ kind: 'unknown', text: w });
    }
  }
  return { matches, verdict, where };
}

/**
 * Reads `iptables-save` (family 4) or `ip6tables-save` (family 6) output. Never throws; lines it cannot read
 * are counted. `undefined` when the text has no table at all.
 */
export function parseIptablesSave(text: string, family: Family): Ruleset | undefined {
  const chains = new Map<string, { base: Omit<Chain, 'rules'>; rules: Rule[] }>();
  let table: string | undefined;
  let unreadable = 0;
  let sawTable = false;
  const fam = family === 4 ? 'ip' : 'ip6';
  const counts = new Map<string, number>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      table = line.slice(1);
      sawTable = true;
      continue;
    }
    if (line === 'COMMIT') {
      table = undefined;
      continue;
    }
    if (table === undefined) {
      unreadable++;
      continue;
    }
    const decl = /^:(\S+)\s+(\S+)/.exec(line);
    if (decl) {
      const name = decl[1] as string;
      const policy = decl[2] as string;
      const hook = BUILTIN_HOOK[name];
      chains.set(`${fam} ${table} ${name}`, {
        base: { family: fam, table, name, hook, prio: TABLE_PRIO[table] ?? 0, policy: policy === 'DROP' ? 'drop' : policy === 'ACCEPT' ? 'accept' : undefined, type: table === 'nat' ? 'nat' : 'filter' },
        rules: [],
      });
      continue;
    }
    const words = splitWords(line);
    if (words[0] !== '-A' || words[1] === undefined) {
      unreadable++;
      continue;
    }
    const chain = chains.get(`${fam} ${table} ${words[1]}`);
    if (!chain) {
      unreadable++;
      continue;
    }
    const n = (counts.get(`${table} ${words[1]}`) ?? 0) + 1;
    counts.set(`${table} ${words[1]}`, n);
    const t = table;
    chain.rules.push(iptRule(words.slice(2), `${table} ${words[1]} rule ${n}`, (name) => chains.has(`${fam} ${t} ${name}`)));
  }
  if (!sawTable) return undefined;
  return { source: family === 4 ? 'iptables' : 'ip6tables', chains: [...chains.values()].map((c) => ({ ...c.base, rules: c.rules })), unreadable };
}
