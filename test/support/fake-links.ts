// In-memory LinkEdge (ARCHITECTURE.md §5): a scripted interface table. Tests change it with
// `setUp`, `setRunning`, `addLink`, `removeLink`, `addAddress`, …; each change updates the table first
// and then emits the same events the real edge derives (via the real `diffLinks`), synchronously, and
// records them in order in `emitted`.

import { EventEmitter } from 'node:events';
import type { Family } from '../../src/config-parser/types.js';
import { diffLinks, linkByName, linksInOrder, makeLink, type LinkAddress, type LinkEdge, type LinkEvent, type LinkInfo } from '../../src/edges/links.js';

export class FakeLinkEdge extends EventEmitter implements LinkEdge {
  readonly backend = 'netlink' as const;
  /** Every event emitted, in order. */
  readonly emitted: LinkEvent[] = [];
  private table = new Map<number, LinkInfo>();
  private nextIndex = 1;
  private closed = false;

  /** Start with `lo` plus the named links, all up and running. */
  constructor(links: readonly string[] = ['eth0']) {
    super();
    for (const n of ['lo', ...links]) this.table.set(this.nextIndex, this.mk(n, this.nextIndex++));
  }

  private mk(name: string, index: number, o: { adminUp?: boolean; running?: boolean } = {}): LinkInfo {
    const mac = name === 'lo' ? '00:00:00:00:00:00' : `02:00:00:00:00:${index.toString(16).padStart(2, '0')}`;
    return makeLink({ name, index, mac, adminUp: o.adminUp ?? true, running: o.running ?? true, mtu: name === 'lo' ? 65536 : 1500 });
  }

  private update(f: (t: Map<number, LinkInfo>) => void): LinkEvent[] {
    const next = new Map(this.table);
    f(next);
    const events = diffLinks(this.table, next);
    this.table = next;
    for (const ev of events) {
      this.emitted.push(ev);
      if (!this.closed) this.emit('change', ev);
    }
    return events;
  }

  private mustGet(t: Map<number, LinkInfo>, ifname: string): LinkInfo {
    for (const l of t.values()) if (l.name === ifname) return l;
    throw new Error(`FakeLinkEdge: no link ${ifname}`);
  }

  addLink(name: string, o: { adminUp?: boolean; running?: boolean } = {}): LinkEvent[] {
    return this.update((t) => t.set(this.nextIndex, this.mk(name, this.nextIndex++, o)));
  }
  removeLink(name: string): LinkEvent[] {
    return this.update((t) => t.delete(this.mustGet(t, name).index));
  }
  /**
   * Admin up/down. Down clears IFF_RUNNING and, like the kernel, drops the link's IPv6 addresses unless
   * `keepIpv6`; up sets IFF_RUNNING again unless `carrier: false`.
   */
  setUp(name: string, adminUp: boolean, o: { keepIpv6?: boolean; carrier?: boolean } = {}): LinkEvent[] {
    return this.update((t) => {
      const l = this.mustGet(t, name);
      const addresses = !adminUp && !o.keepIpv6 ? { 4: l.addresses[4], 6: [] } : l.addresses;
      t.set(l.index, makeLink({ ...l, adminUp, running: adminUp ? o.carrier !== false : false, addresses }));
    });
  }
  /** Carrier (IFF_RUNNING) on/off, IFF_UP unchanged. */
  setRunning(name: string, running: boolean): LinkEvent[] {
    return this.update((t) => {
      const l = this.mustGet(t, name);
      t.set(l.index, makeLink({ ...l, running }));
    });
  }
  addAddress(name: string, address: string, prefix: number): LinkEvent[] {
    const family: Family = address.includes(':') ? 6 : 4;
    return this.update((t) => {
      const l = this.mustGet(t, name);
      const a: LinkAddress = { family, address, prefix };
      t.set(l.index, { ...l, addresses: { ...l.addresses, [family]: [...l.addresses[family], a] } as LinkInfo['addresses'] });
    });
  }
  removeAddress(name: string, address: string, prefix: number): LinkEvent[] {
    const family: Family = address.includes(':') ? 6 : 4;
    return this.update((t) => {
      const l = this.mustGet(t, name);
      const list = l.addresses[family].filter((a) => !(a.address === address && a.prefix === prefix));
      t.set(l.index, { ...l, addresses: { ...l.addresses, [family]: list } as LinkInfo['addresses'] });
    });
  }

  get(ifname: string): LinkInfo | undefined {
    return linkByName(this.table, ifname);
  }
  byIndex(index: number): LinkInfo | undefined {
    return this.table.get(index);
  }
  all(): LinkInfo[] {
    return linksInOrder(this.table);
  }
  close(): void {
    this.closed = true;
    this.removeAllListeners('change');
  }
}
