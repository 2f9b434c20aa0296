// Pure analysis of the client-visible failover measurement (issue 11 §1): parse what the client
// namespace recorded (`ping -D` lines, client-probe.mjs JSON lines, `ip -ts monitor neigh` lines) and
// compute the outage — the longest gap between two consecutive replies around an event — plus who
// answered when and where the client's neighbour entry for the VIP pointed. No I/O, no clock: every
// time is an argument (wall-clock ms since the epoch, as all three sources record it).

/**
 * One `ping -n -D` reply line → `{ t, seq, ttl, node }` (`node` from `ttlToNode`, each VRRP node
 * answering with its own net.ipv4.ip_default_ttl), or undefined for any other line.
 * @param {string} line
 * @param {Readonly<Record<number, string>>} ttlToNode
 */
export function parsePingLine(line, ttlToNode) {
  const m = /^\[(\d+(?:\.\d+)?)\] \d+ bytes from [^:]+: icmp_seq=(\d+) ttl=(\d+)/.exec(line);
  if (!m) return undefined;
  const ttl = Number(m[3]);
  return { t: Number(m[1]) * 1000, seq: Number(m[2]), ttl, node: ttlToNode[ttl] ?? `ttl${ttl}` };
}

/**
 * One client-probe.mjs probe line → `{ s, t, node }` (answered) or `{ s, t, err }` (failed), or
 * undefined when the line is not one.
 * @param {string} line
 */
export function parseProbeLine(line) {
  if (!line.startsWith('{')) return undefined;
  let o;
  try {
    o = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof o?.s !== 'number' || typeof o?.t !== 'number') return undefined;
  if (typeof o.node === 'string' && o.node !== '') return { s: o.s, t: o.t, node: o.node };
  return { s: o.s, t: o.t, err: String(o.err ?? 'unknown') };
}

/**
 * One `ip -ts monitor neigh` line about `vip` → `{ t, mac, state, deleted }` (`mac` undefined when
 * the entry has none: INCOMPLETE, FAILED), or undefined for other lines / other addresses.
 * The time stamp `[YYYY-MM-DDTHH:MM:SS.ffffff]` is local time, as `ip` prints it.
 * @param {string} line
 * @param {string} vip
 */
export function parseNeighLine(line, vip) {
  const m = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{1,9})\]\s+(Deleted\s+)?(\S+)\s+dev\s+\S+(.*)$/.exec(line.trim());
  if (!m || m[4] !== vip) return undefined;
  const frac = m[2].padEnd(9, '0');
  const t = new Date(`${m[1]}`).getTime() + Number(frac) / 1e6;
  const rest = m[5];
  const mac = /\blladdr ([0-9a-f:]{17})/.exec(rest)?.[1];
  const state = /\b(INCOMPLETE|REACHABLE|STALE|DELAY|PROBE|FAILED|NOARP|PERMANENT|NONE)\b/.exec(rest)?.[1] ?? '';
  return { t, mac, state, deleted: Boolean(m[3]) };
}

/**
 * The outage around `eventT`: the longest gap between consecutive reply times, counting the gap from
 * the last reply at or before the event, every gap after it, and the trailing gap up to `endT` (a
 * service still down at the end of the window). `times` need not be sorted.
 * Returns `{ outageMs, from, to, ongoing, repliesAfter }`; `from`/`to` bound the longest gap,
 * `ongoing` is true when that gap runs to `endT` (no reply ended it).
 * @param {readonly number[]} times
 * @param {number} eventT
 * @param {number} endT
 */
export function outageAround(times, eventT, endT) {
  const ts = [...times].sort((x, y) => x - y);
  const before = ts.filter((t) => t <= eventT);
  const after = ts.filter((t) => t > eventT && t <= endT);
  const start = before.length ? before[before.length - 1] : eventT;
  const seq = [start, ...after];
  let best = { outageMs: 0, from: start, to: start, ongoing: false };
  for (let i = 1; i < seq.length; i++) {
    const g = seq[i] - seq[i - 1];
    if (g > best.outageMs) best = { outageMs: g, from: seq[i - 1], to: seq[i], ongoing: false };
  }
  const tail = endT - seq[seq.length - 1];
  if (tail > best.outageMs) best = { outageMs: tail, from: seq[seq.length - 1], to: endT, ongoing: true };
  return { ...best, repliesAfter: after.length };
}

/**
 * The longest gap between consecutive reply times inside [fromT, toT] (the noise floor before an
 * event: scheduling on a busy machine, the probe's own cadence). 0 with fewer than two replies.
 * @param {readonly number[]} times
 * @param {number} fromT
 * @param {number} toT
 */
export function longestGapWithin(times, fromT, toT) {
  const ts = times.filter((t) => t >= fromT && t <= toT).sort((x, y) => x - y);
  let g = 0;
  for (let i = 1; i < ts.length; i++) g = Math.max(g, ts[i] - ts[i - 1]);
  return g;
}

/**
 * Who answered, as runs of the same node in reply order: `[{ node, from, to, n }]`.
 * @param {readonly { t: number, node: string }[]} replies
 */
export function answerRuns(replies) {
  const out = [];
  for (const r of [...replies].sort((x, y) => x.t - y.t)) {
    const cur = out[out.length - 1];
    if (cur && cur.node === r.node) {
      cur.to = r.t;
      cur.n += 1;
    } else out.push({ node: r.node, from: r.t, to: r.t, n: 1 });
  }
  return out;
}

/**
 * The answer runs from `fromT` on as text relative to `eventT`, e.g. `a → b@+3652` (b answered first
 * 3652 ms after the event). Runs of a single reply are shown too: a lone answer is worth seeing.
 * @param {readonly { t: number, node: string }[]} replies
 * @param {number} eventT
 * @param {number} fromT
 */
export function describeRuns(replies, eventT, fromT) {
  const runs = answerRuns(replies.filter((r) => r.t >= fromT));
  return runs.map((r, i) => (i === 0 ? r.node : `${r.node}@${signedMs(r.from - eventT)}`)).join(' → ') || 'none';
}

/**
 * The first time at or after `eventT` that the client's neighbour entry for the VIP points at `mac`
 * (in ms after the event, 0 when it already did at the event), or undefined if it never does by the
 * end of `events`. `events` are parseNeighLine results in any order.
 * @param {readonly { t: number, mac?: string, deleted?: boolean }[]} events
 * @param {number} eventT
 * @param {string} mac
 */
export function neighPointsAt(events, eventT, mac) {
  const ev = [...events].sort((x, y) => x.t - y.t);
  let atEvent;
  for (const e of ev) if (e.t <= eventT) atEvent = e.deleted ? undefined : e.mac;
  if (atEvent === mac) return 0;
  const hit = ev.find((e) => e.t > eventT && !e.deleted && e.mac === mac);
  return hit ? hit.t - eventT : undefined;
}

/**
 * Since when, in ms after `eventT`, the client's neighbour entry for the VIP has pointed at `mac` for
 * good (through the last of `events`): 0 when it already did at the event and never left it, undefined
 * when the last event does not point at `mac` (an entry without an address, INCOMPLETE or FAILED, or
 * deleted, points nowhere).
 * @param {readonly { t: number, mac?: string, deleted?: boolean }[]} events
 * @param {number} eventT
 * @param {string} mac
 */
export function neighSettledAt(events, eventT, mac) {
  const ev = [...events].sort((x, y) => x.t - y.t);
  let since;
  for (const e of ev) {
    const at = e.deleted ? undefined : e.mac;
    if (at !== mac) since = undefined;
    else if (since === undefined) since = e.t;
  }
  if (since === undefined) return undefined;
  return Math.max(0, since - eventT);
}

/**
 * The entry's MAC over time from `fromT` on, as text relative to `eventT` with `names` mapping MACs
 * to node names, e.g. `a → b@+3650 → a@+12011`. Only changes of MAC are shown (state changes are not).
 * @param {readonly { t: number, mac?: string, deleted?: boolean }[]} events
 * @param {number} eventT
 * @param {number} fromT
 * @param {Readonly<Record<string, string>>} names
 */
export function describeNeigh(events, eventT, fromT, names) {
  const out = [];
  let last = null;
  for (const e of [...events].sort((x, y) => x.t - y.t)) {
    const mac = e.deleted ? undefined : e.mac;
    if (mac === undefined || mac === last) continue;
    last = mac;
    const name = names[mac] ?? mac;
    if (e.t < fromT) {
      out.length = 0;
      out.push(name);
    } else out.push(out.length === 0 ? name : `${name}@${signedMs(e.t - eventT)}`);
  }
  return out.join(' → ') || 'none';
}

/** `+123` / `-45` (ms, rounded). */
export function signedMs(ms) {
  const r = Math.round(ms);
  return r >= 0 ? `+${r}` : `${r}`;
}
