// Drives test/support/edge-agent.ts in a child process inside a namespace (optionally as another user
// via setpriv), for interop tests of the real address and link edges.

import type { VipConfig, Family } from '../../src/config-parser/types.js';
import type { AddressEntry } from '../../src/edges/addresses.js';
import type { LinkEvent, LinkInfo } from '../../src/edges/links.js';
import { GiveUp, waitFor, type Netns, type Spawned } from './netns.js';
import { transpileForChild, type ChildBundle } from './ts-child.js';

export interface AgentError {
  readonly name?: string;
  readonly code?: string;
  readonly errno?: string;
  readonly message?: string;
}

export type AgentResult<T> = { ok: true; value: T } | { ok: false; error: AgentError };

export interface EdgeAgent {
  readonly process: Spawned;
  readonly ready: { pid: number; uid: number; linkBackend?: string };
  /** Every link event received so far, in order. */
  readonly events: LinkEvent[];
  add(vip: VipConfig, ifname: string): Promise<AgentResult<null>>;
  remove(vip: VipConfig, ifname: string): Promise<AgentResult<null>>;
  list(ifname: string, family?: Family): Promise<AgentResult<AddressEntry[]>>;
  links(): Promise<LinkInfo[]>;
  /** The backends in use: the address edge's ('pending' before its first call) and the link edge's. */
  backends(): Promise<{ addr: string; links?: string }>;
  get(ifname: string): Promise<LinkInfo | undefined>;
  /** Wait (bounded) for an event matching `pred` at index ≥ `from`; returns it. */
  waitEvent(pred: (ev: LinkEvent) => boolean, opts?: { from?: number; timeoutMs?: number }): Promise<LinkEvent>;
  /** Close stdin (the agent closes its edges and exits), bounded; SIGKILL after 3 s. */
  stop(): Promise<number | string>;
}

let bundle: ChildBundle | undefined;

export interface AgentOptions {
  readonly addr?: 'auto' | 'netlink' | 'native' | 'ip';
  readonly links?: 'auto' | 'netlink' | 'ip' | 'none';
  /** Run as uid/gid 65534 with no groups and no capabilities (setpriv). */
  readonly unprivileged?: boolean;
}

export async function startEdgeAgent(ns: Netns, opts: AgentOptions = {}): Promise<EdgeAgent> {
  bundle ??= transpileForChild('test/support/edge-agent.ts');
  const argv = [process.execPath, bundle.entry, `--addr=${opts.addr ?? 'auto'}`, `--links=${opts.links ?? 'auto'}`];
  const priv = opts.unprivileged ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--'] : [];
  const proc = ns.spawn([...priv, ...argv], { stdin: 'pipe' });
  const pending = new Map<number, (r: unknown) => void>();
  const events: LinkEvent[] = [];
  let ready: EdgeAgent['ready'] | undefined;
  let buf = '';
  proc.child.stdout?.on('data', (b: Buffer) => {
    buf += b.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (msg.ready) ready = msg as unknown as EdgeAgent['ready'];
      else if (msg.event) events.push(msg.event as LinkEvent);
      else if (typeof msg.id === 'number') {
        pending.get(msg.id)?.(msg);
        pending.delete(msg.id);
      }
    }
  });
  await waitFor(
    () => {
      if (ready) return ready;
      if (proc.hasExited()) throw new GiveUp(`edge agent exited: ${proc.output()}`);
      return undefined;
    },
    { timeoutMs: 15_000, what: 'edge agent ready' },
  );
  let nextId = 1;
  const call = <T>(op: string, args: unknown[]): Promise<T> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const t = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`edge agent: ${op} timed out`));
      }, 10_000);
      pending.set(id, (r) => {
        clearTimeout(t);
        const { id: _id, ...rest } = r as { id: number };
        resolve(rest as T);
      });
      proc.child.stdin?.write(JSON.stringify({ id, op, args }) + '\n');
    });
  const value = async <T>(op: string, args: unknown[]): Promise<T> => {
    const r = await call<AgentResult<T>>(op, args);
    if (!r.ok) throw new Error(`${op}: ${JSON.stringify(r.error)}`);
    return r.value;
  };
  return {
    process: proc,
    ready: ready!,
    events,
    add: (vip, ifname) => call('add', [vip, ifname]),
    remove: (vip, ifname) => call('remove', [vip, ifname]),
    list: (ifname, family) => call('list', family === undefined ? [ifname] : [ifname, family]),
    links: () => value('links', []),
    backends: () => value('backend', []),
    get: async (ifname) => (await value<LinkInfo | null>('get', [ifname])) ?? undefined,
    async waitEvent(pred, o = {}) {
      return waitFor(() => events.slice(o.from ?? 0).find(pred), { timeoutMs: o.timeoutMs ?? 5_000, intervalMs: 10, what: 'link event' });
    },
    async stop() {
      proc.child.stdin?.end();
      const r = await Promise.race([proc.exited, new Promise<undefined>((res) => setTimeout(() => res(undefined), 3_000))]);
      if (r === undefined) return proc.stop('SIGKILL', 0);
      return r;
    },
  };
}

/** A VipConfig with keepalived's defaults (/32 or /128, nodad for IPv6), overridable. */
export function vip(address: string, more: Partial<VipConfig> = {}): VipConfig {
  const family = address.includes(':') ? 6 : 4;
  return {
    address,
    family,
    prefix: family === 4 ? 32 : 128,
    home: false,
    nodad: family === 6,
    mngtmpaddr: false,
    noprefixroute: false,
    autojoin: false,
    noTrack: false,
    useVmac: false,
    raw: address,
    ...more,
  } as VipConfig;
}
