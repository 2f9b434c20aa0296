// src/doctor/firewall.ts: nft JSON and iptables-save read into one rule model, and walked for a VRRP
// packet conservatively (definite drop only on rules fully understood). nft JSON shapes as nftables 1.0.6
// prints them (`nft -j list ruleset`).
import { describe, expect, it } from 'vitest';
import { evaluateFilter, matchMatches, parseIptablesSave, parseNftJson, splitWords, type Ruleset, type VrrpPacket } from '../../../src/doctor/firewall.js';

const IN: VrrpPacket = { family: 4, direction: 'in', src: '10.0.0.2', dst: '10.0.0.1', ifname: 'eth0' };
const OUT: VrrpPacket = { family: 4, direction: 'out', src: '10.0.0.1', dst: '10.0.0.2', ifname: 'eth0' };
const IN6: VrrpPacket = { family: 6, direction: 'in', src: 'fe80::2', dst: 'ff02::12', ifname: 'eth0' };

const payload = (protocol: string, field: string) => ({ payload: { protocol, field } });
const match = (left: unknown, right: unknown, op = '==') => ({ match: { op, left, right } });
const chain = (name: string, hook: string | undefined, policy = 'accept', extra: Record<string, unknown> = {}) => ({
  chain: { family: 'inet', table: 't', name, handle: 1, ...(hook ? { type: 'filter', hook, prio: 0, policy } : {}), ...extra },
});
let handle = 10;
const rule = (chainName: string, ...expr: unknown[]) => ({ rule: { family: 'inet', table: 't', chain: chainName, handle: handle++, expr } });
const nft = (...items: unknown[]): Ruleset => {
  const rs = parseNftJson(JSON.stringify({ nftables: [{ metainfo: { version: '1.0.6', json_schema_version: 1 } }, { table: { family: 'inet', name: 't', handle: 1 } }, ...items] }));
  if (!rs) throw new Error('not parsed');
  return rs;
};
const verdict = (rs: Ruleset, pkt: VrrpPacket = IN) => evaluateFilter([rs], pkt).verdict;

describe('parseNftJson', () => {
  it('reads chains (base and regular) and rules; not nft JSON gives undefined', () => {
    const rs = nft(chain('in', 'input'), chain('foo', undefined), rule('in', match(payload('ip', 'protocol'), 'vrrp'), { drop: null }));
    expect(rs.chains.map((c) => [c.name, c.hook, c.policy, c.rules.length])).toEqual([
      ['in', 'input', 'accept', 1],
      ['foo', undefined, undefined, 0],
    ]);
    expect(rs.chains[0]!.rules[0]!.where).toMatch(/^inet t in handle \d+$/);
    expect(parseNftJson('not json')).toBeUndefined();
    expect(parseNftJson('{"foo": 1}')).toBeUndefined();
    expect(parseNftJson('{"nftables": []}')).toEqual({ source: 'nft', chains: [], unreadable: 0 });
  });

  it('a rule whose expr is not a list is kept as unreadable (may drop), and counted', () => {
    const rs = nft(chain('in', 'input'), { rule: { family: 'inet', table: 't', chain: 'in', handle: 3, expr: 'x' } });
    expect(rs.unreadable).toBe(1);
    expect(verdict(rs)).toBe('maybe-drop');
  });
});

describe('evaluateFilter on nft rules', () => {
  it('no rules, accept policy: accept; drop policy: drop by the policy', () => {
    expect(verdict(nft(chain('in', 'input')))).toBe('accept');
    expect(evaluateFilter([nft(chain('in', 'input', 'drop'))], IN)).toEqual({ verdict: 'drop', where: 'policy drop of inet t in' });
  });

  it('ip protocol vrrp drop / meta l4proto 112 reject: a definite drop on input, not on output', () => {
    const a = nft(chain('in', 'input'), rule('in', match(payload('ip', 'protocol'), 'vrrp'), { drop: null }));
    expect(evaluateFilter([a], IN)).toMatchObject({ verdict: 'drop', where: expect.stringMatching(/^inet t in handle/) });
    expect(verdict(a, OUT)).toBe('accept');
    const b = nft(chain('in', 'input'), rule('in', match({ meta: { key: 'l4proto' } }, 112), { counter: { packets: 0, bytes: 0 } }, { reject: { type: 'icmpx', expr: 'port-unreachable' } }));
    expect(verdict(b)).toBe('drop');
  });

  it('`ip protocol` does not match IPv6 packets; `ip6 nexthdr vrrp` does', () => {
    const a = nft(chain('in', 'input'), rule('in', match(payload('ip', 'protocol'), 'vrrp'), { drop: null }));
    expect(verdict(a, IN6)).toBe('accept');
    const b = nft(chain('in', 'input'), rule('in', match(payload('ip6', 'nexthdr'), 'vrrp'), { drop: null }));
    expect(verdict(b, IN6)).toBe('drop');
    expect(verdict(b, IN)).toBe('accept');
  });

  it('other protocols, sets and negation', () => {
    const tcp = nft(chain('in', 'input'), rule('in', match(payload('ip', 'protocol'), 'tcp'), { drop: null }));
    expect(verdict(tcp)).toBe('accept');
    const set = nft(chain('in', 'input'), rule('in', match(payload('ip', 'protocol'), { set: ['tcp', 'vrrp'] }), { drop: null }));
    expect(verdict(set)).toBe('drop');
    const notTcp = nft(chain('in', 'input'), rule('in', match(payload('ip', 'protocol'), 'tcp', '!='), { drop: null }));
    expect(verdict(notTcp)).toBe('drop');
    const notVrrp = nft(chain('in', 'input'), rule('in', match(payload('ip', 'protocol'), 'vrrp', '!='), { drop: null }));
    expect(verdict(notVrrp)).toBe('accept');
    const range = nft(chain('in', 'input'), rule('in', match({ meta: { key: 'l4proto' } }, { range: [100, 120] }), { drop: null }));
    expect(verdict(range)).toBe('drop');
  });

  it('a TCP port match never matches VRRP (the rule is skipped)', () => {
    const rs = nft(chain('in', 'input'), rule('in', match(payload('tcp', 'dport'), 22), { drop: null }));
    expect(verdict(rs)).toBe('accept');
  });

  it('addresses: exact, prefix, and the peer the rule is not about', () => {
    const exact = nft(chain('in', 'input'), rule('in', match(payload('ip', 'saddr'), '10.0.0.2'), { drop: null }));
    expect(verdict(exact)).toBe('drop');
    expect(verdict(exact, { ...IN, src: '10.0.0.3' })).toBe('accept');
    const prefix = nft(chain('in', 'input'), rule('in', match(payload('ip', 'saddr'), { prefix: { addr: '10.0.0.0', len: 24 } }), { drop: null }));
    expect(verdict(prefix)).toBe('drop');
    expect(verdict(prefix, { ...IN, src: '10.0.1.2' })).toBe('accept');
    const daddr = nft(chain('out', 'output'), rule('out', match(payload('ip', 'daddr'), '10.0.0.2'), { drop: null }));
    expect(verdict(daddr, OUT)).toBe('drop');
  });

  it('an accept before the drop wins; an accept that may match makes the drop a maybe', () => {
    const accepted = nft(chain('in', 'input', 'drop'), rule('in', match(payload('ip', 'protocol'), 'vrrp'), { accept: null }));
    expect(verdict(accepted)).toBe('accept');
    const ct = nft(chain('in', 'input', 'drop'), rule('in', match({ ct: { key: 'state' } }, ['established', 'related'], 'in'), { accept: null }));
    expect(evaluateFilter([ct], IN)).toEqual({ verdict: 'maybe-drop', where: 'policy drop of inet t in' });
  });

  it('a drop that may match (named set) is a maybe; an iifname that does not match is skipped', () => {
    const named = nft(chain('in', 'input'), rule('in', match(payload('ip', 'saddr'), '@blocked'), { drop: null }));
    expect(verdict(named)).toBe('maybe-drop');
    const otherIf = nft(chain('in', 'input'), rule('in', match({ meta: { key: 'iifname' } }, 'eth1'), { drop: null }));
    expect(verdict(otherIf)).toBe('accept');
    const wildcard = nft(chain('in', 'input'), rule('in', match({ meta: { key: 'iifname' } }, 'eth*'), { drop: null }));
    expect(verdict(wildcard)).toBe('drop');
    const oifOnInput = nft(chain('in', 'input'), rule('in', match({ meta: { key: 'oifname' } }, 'eth0'), { drop: null }));
    expect(verdict(oifOnInput)).toBe('accept');
  });

  it('jump into a chain that drops; return from it goes on; goto a chain that returns ends the base chain (policy)', () => {
    const jumpDrop = nft(chain('in', 'input'), chain('foo', undefined), rule('in', { jump: { target: 'foo' } }), rule('foo', match(payload('ip', 'protocol'), 'vrrp'), { drop: null }));
    expect(verdict(jumpDrop)).toBe('drop');
    const jumpReturn = nft(chain('in', 'input'), chain('foo', undefined), rule('in', { jump: { target: 'foo' } }), rule('foo', { return: null }), rule('in', match(payload('ip', 'protocol'), 'vrrp'), { drop: null }));
    expect(verdict(jumpReturn)).toBe('drop');
    const gotoReturn = nft(chain('in', 'input', 'drop'), chain('foo', undefined), rule('in', { goto: { target: 'foo' } }), rule('in', match(payload('ip', 'protocol'), 'vrrp'), { accept: null }));
    expect(evaluateFilter([gotoReturn], IN)).toEqual({ verdict: 'drop', where: 'policy drop of inet t in' });
    const missing = nft(chain('in', 'input'), rule('in', { jump: { target: 'nowhere' } }));
    expect(verdict(missing)).toBe('maybe-drop');
  });

  it('every base chain on the hook must accept; nat chains and other hooks do not filter here', () => {
    const two = nft(chain('a', 'input'), chain('b', 'input', 'drop'), rule('a', { accept: null }));
    expect(verdict(two)).toBe('drop');
    const nat = nft(chain('n', 'input', 'drop', { type: 'nat' }));
    expect(verdict(nat)).toBe('accept');
    const fwd = nft(chain('f', 'forward', 'drop'));
    expect(verdict(fwd)).toBe('accept');
    const pre = nft(chain('p', 'prerouting'), rule('p', match(payload('ip', 'protocol'), 'vrrp'), { drop: null }));
    expect(verdict(pre)).toBe('drop');
    expect(verdict(pre, OUT)).toBe('accept');
  });

  it('statements without a verdict are passed over; unknown statements make a rule "may match"', () => {
    const counter = nft(chain('in', 'input'), rule('in', { counter: { packets: 0, bytes: 0 } }), rule('in', { log: { prefix: 'x' } }));
    expect(verdict(counter)).toBe('accept');
    const limit = nft(chain('in', 'input'), rule('in', { limit: { rate: 1, per: 'second' } }, { drop: null }));
    expect(verdict(limit)).toBe('maybe-drop');
    const queue = nft(chain('in', 'input'), rule('in', { queue: { num: 1 } }));
    expect(verdict(queue)).toBe('maybe-drop');
  });
});

describe('iptables-save', () => {
  const save = (body: string) => `# Generated by iptables-save v1.8.9 on Wed Dec  2 05:00:00 2026\n*filter\n${body}\nCOMMIT\n# Completed\n`;

  it('policies and -p vrrp / -p 112 drops, with ! and addresses', () => {
    const drop = parseIptablesSave(save(':INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p vrrp -j DROP'), 4)!;
    expect(evaluateFilter([drop], IN)).toEqual({ verdict: 'drop', where: 'filter INPUT rule 1' });
    expect(verdict(drop, OUT)).toBe('accept');
    expect(verdict(parseIptablesSave(save(':INPUT ACCEPT [0:0]\n-A INPUT -p 112 -j REJECT --reject-with icmp-port-unreachable'), 4)!)).toBe('drop');
    expect(verdict(parseIptablesSave(save(':INPUT ACCEPT [0:0]\n-A INPUT ! -p tcp -s 10.0.0.2/32 -j DROP'), 4)!)).toBe('drop');
    expect(verdict(parseIptablesSave(save(':INPUT ACCEPT [0:0]\n-A INPUT -s 10.0.1.0/24 -j DROP'), 4)!)).toBe('accept');
    expect(verdict(parseIptablesSave(save(':INPUT DROP [0:0]\n-A INPUT -p vrrp -s 10.0.0.0/24 -i eth0 -j ACCEPT'), 4)!)).toBe('accept');
    expect(verdict(parseIptablesSave(save(':INPUT DROP [0:0]\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT'), 4)!)).toBe('drop');
  });

  it('match modules are "may match"; comments match everything; user chains are followed', () => {
    expect(verdict(parseIptablesSave(save(':INPUT DROP [0:0]\n-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT'), 4)!)).toBe('maybe-drop');
    expect(verdict(parseIptablesSave(save(':INPUT ACCEPT [0:0]\n-A INPUT -p vrrp -m comment --comment "no \\"vrrp\\" here" -j DROP'), 4)!)).toBe('drop');
    const user = parseIptablesSave(save(':INPUT ACCEPT [0:0]\n:HA - [0:0]\n-A INPUT -j HA\n-A HA -p vrrp -j DROP'), 4)!;
    expect(verdict(user)).toBe('drop');
    expect(verdict(parseIptablesSave(save(':INPUT ACCEPT [0:0]\n-A INPUT -p vrrp -j NFQUEUE --queue-num 1'), 4)!)).toBe('maybe-drop');
    expect(verdict(parseIptablesSave(save(':INPUT ACCEPT [0:0]\n-A INPUT -p vrrp -j LOG'), 4)!)).toBe('accept');
  });

  it('ip6tables applies to IPv6 only; no table at all is undefined; junk lines are counted', () => {
    const v6 = parseIptablesSave(save(':INPUT ACCEPT [0:0]\n-A INPUT -p vrrp -j DROP'), 6)!;
    expect(v6.source).toBe('ip6tables');
    expect(verdict(v6, IN6)).toBe('drop');
    expect(verdict(v6, IN)).toBe('accept');
    expect(parseIptablesSave('', 4)).toBeUndefined();
    expect(parseIptablesSave('garbage\n', 4)).toBeUndefined();
    expect(parseIptablesSave(save(':INPUT ACCEPT [0:0]\nnonsense\n-A NOCHAIN -j DROP'), 4)!.unreadable).toBe(2);
  });

  it('splitWords keeps quoted comments together', () => {
    expect(splitWords('-A INPUT -m comment --comment "a b" -j DROP')).toEqual(['-A', 'INPUT', '-m', 'comment', '--comment', 'a b', '-j', 'DROP']);
  });
});

describe('matchMatches', () => {
  it('an address that is no address (a host name) cannot be decided', () => {
    expect(matchMatches({ kind: 'test', field: 'saddr', negate: false, values: [{ kind: 'name', value: 'peer.example' }] }, IN)).toBeUndefined();
    expect(matchMatches({ kind: 'test', field: 'saddr', negate: true, values: [{ kind: 'name', value: '10.0.0.2' }] }, IN)).toBe(false);
    expect(matchMatches({ kind: 'test', field: 'family', negate: false, values: [{ kind: 'name', value: 'ipv6' }] }, IN)).toBe(false);
    expect(matchMatches({ kind: 'never', text: 'tcp dport' }, IN)).toBe(false);
    // Multicast with an unknown source: an saddr match cannot be decided.
    expect(matchMatches({ kind: 'test', field: 'saddr', negate: false, values: [{ kind: 'prefix', address: '10.0.0.0', len: 8 }] }, { ...IN, src: '' })).toBeUndefined();
  });
});
