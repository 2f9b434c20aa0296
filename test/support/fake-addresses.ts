// In-memory AddressEdge (ARCHITECTURE.md §5): keeps addresses per interface, records every call in
// order, and can be told to fail (errno per interface or per call) — same contract as the real edge:
// EEXIST on add and EADDRNOTAVAIL on remove are successes; other failures are HavipdError('HAVIPD_ADDRESS').

import type { Family, VipConfig } from '../../src/config-parser/types.js';
import { HavipdError } from '../../src/errors.js';
import { broadcastFor, scopeNumber, type AddressEdge, type AddressEntry } from '../../src/edges/addresses.js';

export interface AddressCall {
  readonly op: 'add' | 'remove' | 'list';
  readonly ifname: string;
  /** `address/prefix` for add/remove. */
  readonly address?: string;
  readonly family?: Family;
  /** 'ok' | 'noop' (already there / not there) | errno name. */
  readonly result: string;
}

export class FakeAddressEdge implements AddressEdge {
  /** Every call, in order. */
  readonly calls: AddressCall[] = [];
  private readonly byIf = new Map<string, AddressEntry[]>();
  private readonly failures = new Map<string, string>();
  private readonly onceFailures: Array<{ match: (c: Omit<AddressCall, 'result'>) => boolean; errno: string }> = [];
  private closed = false;
  private nextIndex = 2;
  private readonly indexes = new Map<string, number>();

  /** Interfaces that exist (others answer ENODEV). */
  constructor(interfaces: readonly string[] = ['eth0']) {
    for (const i of interfaces) this.addInterface(i);
  }

  addInterface(ifname: string): void {
    if (!this.byIf.has(ifname)) this.byIf.set(ifname, []);
    if (!this.indexes.has(ifname)) this.indexes.set(ifname, this.nextIndex++);
  }
  removeInterface(ifname: string): void {
    this.byIf.delete(ifname);
  }
  /** Every later call on `ifname` fails with `errno` (e.g. 'EPERM') until `clearFailure`. */
  failOn(ifname: string, errno: string): void {
    this.failures.set(ifname, errno);
  }
  clearFailure(ifname: string): void {
    this.failures.delete(ifname);
  }
  /** The next call matching `match` fails with `errno`. */
  failNext(match: (c: Omit<AddressCall, 'result'>) => boolean, errno: string): void {
    this.onceFailures.push({ match, errno });
  }
  /** Simulate the kernel dropping IPv6 addresses on link down. */
  dropFamily(ifname: string, family: Family): void {
    const l = this.byIf.get(ifname);
    if (l) this.byIf.set(ifname, l.filter((a) => a.family !== family));
  }
  /** `address/prefix` strings on `ifname`, in insertion order. */
  addressesOf(ifname: string): string[] {
    return (this.byIf.get(ifname) ?? []).map((a) => `${a.address}/${a.prefix}`);
  }
  /** Calls as compact strings: `add eth0 10.0.0.1/24 ok`. */
  callLog(): string[] {
    return this.calls.map((c) => [c.op, c.ifname, c.address ?? (c.family ? `v${c.family}` : ''), c.result].filter(Boolean).join(' '));
  }

  private check(call: Omit<AddressCall, 'result'>): void {
    const fail = (errno: string): never => {
      this.calls.push({ ...call, result: errno });
      throw new HavipdError('HAVIPD_ADDRESS', `${call.op} ${call.address ?? ''} dev ${call.ifname}: ${errno} (fake)`, { errno });
    };
    if (this.closed) fail('EBADF');
    const i = this.onceFailures.findIndex((f) => f.match(call));
    if (i >= 0) fail(this.onceFailures.splice(i, 1)[0]!.errno);
    const f = this.failures.get(call.ifname);
    if (f) fail(f);
    if (!this.byIf.has(call.ifname)) fail('ENODEV');
  }

  async add(vip: VipConfig, ifname: string): Promise<void> {
    const call = { op: 'add' as const, ifname, address: `${vip.address}/${vip.prefix}` };
    this.check(call);
    const list = this.byIf.get(ifname)!;
    if (list.some((a) => a.address === vip.address && a.prefix === vip.prefix)) {
      this.calls.push({ ...call, result: 'noop' });
      return;
    }
    list.push({
      family: vip.family,
      address: vip.address,
      prefix: vip.prefix,
      ifindex: this.indexes.get(ifname)!,
      label: vip.family === 4 ? (vip.label ?? ifname) : undefined,
      broadcast: broadcastFor(vip),
      peer: vip.peer,
      scope: scopeNumber(vip.scope) ?? 0,
      flags: ['permanent', ...(vip.family === 6 && vip.nodad ? ['nodad'] : []), ...(vip.noprefixroute ? ['noprefixroute'] : [])],
    });
    this.calls.push({ ...call, result: 'ok' });
  }

  async remove(vip: VipConfig, ifname: string): Promise<void> {
    const call = { op: 'remove' as const, ifname, address: `${vip.address}/${vip.prefix}` };
    this.check(call);
    const list = this.byIf.get(ifname)!;
    const i = list.findIndex((a) => a.address === vip.address && a.prefix === vip.prefix);
    if (i < 0) {
      this.calls.push({ ...call, result: 'noop' });
      return;
    }
    list.splice(i, 1);
    this.calls.push({ ...call, result: 'ok' });
  }

  async list(ifname: string, family?: Family): Promise<AddressEntry[]> {
    const call = { op: 'list' as const, ifname, ...(family ? { family } : {}) };
    this.check(call);
    this.calls.push({ ...call, result: 'ok' });
    return (this.byIf.get(ifname) ?? []).filter((a) => family === undefined || a.family === family);
  }

  backend(): 'netlink' {
    return 'netlink';
  }

  close(): void {
    this.closed = true;
  }
}
