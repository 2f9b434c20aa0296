// Prometheus metrics (issue 10 §3) with prom-client: `--metrics-listen HOST:PORT`, `/metrics` in the text
// exposition format 0.0.4. Native `havipd_*` series, the process defaults, and the names of the two
// exporters people already run, so their dashboards and alerts keep working:
// - gen2brain/keepalived_exporter: `keepalived_up`, `keepalived_vrrp_<keepalived stats name>` counters with
//   labels name, intf, vrid, state (state as text: INIT / BACKUP / MASTER / FAULT);
// - mehdy/keepalived-exporter: `keepalived_vrrp_state` gauge (iname, intf, vrid, ip_address; one series per
//   VIP, 0 INIT 1 BACKUP 2 MASTER 3 FAULT), `keepalived_vrrp_excluded_state`, the `keepalived_*_total`
//   counters (iname, intf, vrid) and `keepalived_script_status` (0 BAD, 1 GOOD).
// Values are keepalived's own counters (reference §2.7, src/runtime/dumps.ts), read live at each scrape.

import { LOG_EVENT } from '../log-events.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Logger } from '../log.js';
import type { DropReason } from '../vrrp/types.js';
import type { DaemonStatus } from './status.js';

/** keepalived's vrrp_stats names, in keepalived.stats order (gen2brain's metric suffixes). */
export const KEEPALIVED_COUNTERS = [
  'advert_rcvd',
  'advert_sent',
  'become_master',
  'release_master',
  'packet_len_err',
  'advert_interval_err',
  'ip_ttl_err',
  'invalid_type_rcvd',
  'addr_list_err',
  'invalid_authtype',
  'authtype_mismatch',
  'auth_failure',
  'pri_zero_rcvd',
  'pri_zero_sent',
] as const;

/** mehdy/keepalived-exporter's counter names for the same keepalived counters. */
export const MEHDY_COUNTERS: Record<(typeof KEEPALIVED_COUNTERS)[number], string> = {
  advert_rcvd: 'keepalived_advertisements_received_total',
  advert_sent: 'keepalived_advertisements_sent_total',
  become_master: 'keepalived_become_master_total',
  release_master: 'keepalived_release_master_total',
  packet_len_err: 'keepalived_packet_length_errors_total',
  advert_interval_err: 'keepalived_advertisements_interval_errors_total',
  ip_ttl_err: 'keepalived_ip_ttl_errors_total',
  invalid_type_rcvd: 'keepalived_invalid_type_received_total',
  addr_list_err: 'keepalived_address_list_errors_total',
  invalid_authtype: 'keepalived_authentication_invalid_total',
  authtype_mismatch: 'keepalived_authentication_mismatch_total',
  auth_failure: 'keepalived_authentication_failure_total',
  pri_zero_rcvd: 'keepalived_priority_zero_received_total',
  pri_zero_sent: 'keepalived_priority_zero_sent_total',
};

/** Every drop reason, so each instance has a (zero) series for it from the first scrape. */
const DROP_REASONS = [
  'too_short', 'unknown_vrid', 'instance_not_ready', 'family_mismatch', 'authtype_mismatch', 'packet_len_err', 'ip_ttl_err', 'vers_err',
  'invalid_authtype', 'auth_failure', 'ah_unsupported', 'advert_interval_mismatch', 'invalid_type_rcvd', 'advert_interval_invalid', 'chk_err', 'mcast_unicast_mismatch',
  'addr_list_err', 'unicast_src_not_peer', 'auth_ext_missing', 'auth_ext_malformed', 'auth_ext_unknown_key', 'auth_ext_invalid_hmac', 'auth_ext_stale',
  'auth_ext_replay', 'owner_ignore_adverts',
] as const satisfies readonly DropReason[];
// A new DropReason that is not listed above fails to compile here.
const allDropReasonsListed: Exclude<DropReason, (typeof DROP_REASONS)[number]> extends never ? true : never = true;
void allDropReasonsListed;

/** keepalived's state numbers (mehdy's `keepalived_vrrp_state` values). */
export const STATE_VALUE: Record<string, number> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3 };

/** What a scrape reads. */
export interface MetricsSource {
  status(): DaemonStatus;
  /** Transitions by instance, from, to, reason. */
  transitions(): ReadonlyArray<{ instance: string; from: string; to: string; reason: string; count: number }>;
  reloads(): { ok: number; refused: number; failed: number };
  /** Per-instance `garp_master_delay` seconds (mehdy's `keepalived_gratuitous_arp_delay_total`). */
  garpDelay(instance: string): number;
  /** Control socket counters. */
  control(): { requests: Record<string, number>; errors: Record<string, number>; rejected: number; slowDropped: number; idleClosed: number } | undefined;
}

type Labels = Record<string, string | number>;

/** Builds the registry; every series is recomputed from the live daemon at each scrape. */
export function createRegistry(src: MetricsSource, httpErrors: () => Record<string, number>): Registry {
  const registry = new Registry();
  // prom-client samples event-loop delay with a timer of its own, every 10 ms by default: 0.6 s of CPU a
  // minute on an idle daemon. Once a second is enough for nodejs_eventloop_lag_p99_seconds and friends (the
  // protocol timers' own lateness is havipd_event_loop_lag_seconds, which costs no timer).
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1000 });
  const gauge = (name: string, help: string, labelNames: string[], fill: (set: (labels: Labels, v: number) => void, st: DaemonStatus) => void): void => {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        fill((l, v) => this.set(l, v), current());
      },
    });
  };
  const counter = (name: string, help: string, labelNames: string[], fill: (set: (labels: Labels, v: number) => void, st: DaemonStatus) => void): void => {
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        fill((l, v) => this.inc(l, v), current());
      },
    });
  };
  // One status document per scrape, shared by every collector.
  let cached: { at: number; st: DaemonStatus } | undefined;
  const current = (): DaemonStatus => {
    const now = performance.now();
    if (!cached || now - cached.at > 50) cached = { at: now, st: src.status() };
    return cached.st;
  };

  // ── native ──
  gauge('havipd_up', 'Whether havipd answers (always 1 in a scrape it answered).', [], (set) => set({}, 1));
  gauge('havipd_instance_state', 'Instance state: 1 for the current state, 0 for the others.', ['instance', 'vrid', 'state'], (set, st) => {
    for (const i of st.instances) for (const s of Object.keys(STATE_VALUE)) set({ instance: i.name, vrid: i.vrid, state: s }, i.state === s ? 1 : 0);
  });
  gauge('havipd_instance_priority', 'Priority by kind: configured or effective (trackers and takeover applied).', ['instance', 'kind'], (set, st) => {
    for (const i of st.instances) {
      set({ instance: i.name, kind: 'configured' }, i.priority.configured);
      set({ instance: i.name, kind: 'effective' }, i.priority.effective);
    }
  });
  gauge('havipd_instance_maintenance', 'Whether the instance is under maintenance (never becomes MASTER).', ['instance'], (set, st) => {
    for (const i of st.instances) set({ instance: i.name }, i.maintenance ? 1 : 0);
  });
  counter('havipd_transitions_total', 'State transitions by from, to and reason.', ['instance', 'from', 'to', 'reason'], (set) => {
    for (const t of src.transitions()) set({ instance: t.instance, from: t.from, to: t.to, reason: t.reason }, t.count);
  });
  counter('havipd_adverts_sent_total', 'VRRP advertisements sent.', ['instance'], (set, st) => {
    for (const i of st.instances) set({ instance: i.name }, i.counters.advert_sent ?? 0);
  });
  counter('havipd_adverts_received_total', 'VRRP advertisements received (keepalived advert_rcvd).', ['instance'], (set, st) => {
    for (const i of st.instances) set({ instance: i.name }, i.counters.advert_rcvd ?? 0);
  });
  counter('havipd_packets_dropped_total', 'Received VRRP packets dropped, by reason.', ['instance', 'reason'], (set, st) => {
    for (const i of st.instances) for (const r of DROP_REASONS) set({ instance: i.name, reason: r }, i.drops[r] ?? 0);
  });
  counter('havipd_garp_sent_total', 'Gratuitous ARP / unsolicited NA frames ordered.', ['instance'], (set, st) => {
    for (const i of st.instances) set({ instance: i.name }, i.counters.garp_sent ?? 0);
  });
  counter('havipd_split_brain_heals_total', 'Split-brain re-announcements: this MASTER heard another MASTER it beats and re-sent its GARP/NA burst.', ['instance'], (set, st) => {
    for (const i of st.instances) set({ instance: i.name }, i.splitBrain.heals);
  });
  counter('havipd_vip_claims_total', 'Claim watch: another host sent ARP for a VIP of this MASTER (a split brain seen through ARP).', ['instance'], (set, st) => {
    for (const i of st.instances) set({ instance: i.name }, i.splitBrain.claims);
  });
  counter('havipd_vip_claim_releases_total', 'Claim watch: that host stopped answering for the VIP and this MASTER re-sent its GARP burst.', ['instance'], (set, st) => {
    for (const i of st.instances) set({ instance: i.name }, i.splitBrain.claimReleases);
  });
  gauge('havipd_peer_last_advert_age_seconds', 'Seconds since the last advert heard from each peer.', ['instance', 'peer'], (set, st) => {
    for (const i of st.instances) for (const p of i.peers) if (p.lastAdvertAge !== null) set({ instance: i.name, peer: p.address }, p.lastAdvertAge);
  });
  gauge('havipd_tracker_up', 'Tracker status: 1 up / good, 0 down / bad / init (files: 1 when the value is 0).', ['instance', 'type', 'name'], (set, st) => {
    for (const i of st.instances) for (const t of i.trackers) set({ instance: i.name, type: t.type, name: t.name }, t.status === 'up' || (t.type === 'file' && t.status === '0') ? 1 : 0);
  });
  gauge('havipd_vip_present', 'Whether the VIP is on its interface in the kernel right now.', ['instance', 'address', 'interface'], (set, st) => {
    for (const i of st.instances) for (const v of i.vips) if (v.present !== null) set({ instance: i.name, address: `${v.address}/${v.prefix}`, interface: v.interface }, v.present ? 1 : 0);
  });
  gauge('havipd_vip_confirmed', 'Announce and verify: 1 when the verify command confirmed the VIP in this MASTER term, else 0 (instances with a verify command only).', ['instance', 'vip'], (set, st) => {
    for (const i of st.instances) if (i.verify) for (const v of i.vips) if (!v.excluded) set({ instance: i.name, vip: v.address }, i.verify.confirmed ? 1 : 0);
  });
  counter('havipd_reloads_total', 'Reloads by result: ok, refused (config invalid), failed.', ['result'], (set) => {
    const r = src.reloads();
    for (const k of ['ok', 'refused', 'failed'] as const) set({ result: k }, r[k]);
  });
  gauge('havipd_event_loop_lag_seconds', 'How late the protocol timers ran (event-loop lag) over the last minute, by statistic (mean, p99, max).', ['stat'], (set, st) => {
    const l = st.daemon.eventLoopLagMs;
    set({ stat: 'mean' }, l.mean / 1000);
    set({ stat: 'p99' }, l.p99 / 1000);
    set({ stat: 'max' }, l.max / 1000);
  });
  counter('havipd_control_requests_total', 'Control socket requests by command (invalid = unparsable).', ['cmd'], (set) => {
    for (const [k, v] of Object.entries(src.control()?.requests ?? {})) set({ cmd: k }, v);
  });
  counter('havipd_control_errors_total', 'Control socket error replies and drops by code.', ['code'], (set) => {
    const c = src.control();
    if (!c) return;
    for (const [k, v] of Object.entries(c.errors)) set({ code: k }, v);
    set({ code: 'slow-reader-dropped' }, c.slowDropped);
    set({ code: 'idle-closed' }, c.idleClosed);
  });
  counter('havipd_metrics_http_errors_total', 'Bad requests to the metrics listener, by reason.', ['reason'], (set) => {
    const e = httpErrors();
    for (const k of new Set(['method', 'body', 'path', 'malformed', 'internal', ...Object.keys(e)])) set({ reason: k }, e[k] ?? 0);
  });

  // ── gen2brain/keepalived_exporter and mehdy/keepalived-exporter ──
  gauge('keepalived_up', 'Status', [], (set) => set({}, 1));
  for (const k of KEEPALIVED_COUNTERS) {
    counter(`keepalived_vrrp_${k}`, `keepalived vrrp_stats ${k} (gen2brain/keepalived_exporter name)`, ['name', 'intf', 'vrid', 'state'], (set, st) => {
      for (const i of st.instances) set({ name: i.name, intf: i.interface ?? '', vrid: i.vrid, state: i.state }, i.counters[k] ?? 0);
    });
    counter(MEHDY_COUNTERS[k], `keepalived vrrp_stats ${k} (mehdy/keepalived-exporter name)`, ['iname', 'intf', 'vrid'], (set, st) => {
      for (const i of st.instances) set({ iname: i.name, intf: i.interface ?? '', vrid: i.vrid }, i.counters[k] ?? 0);
    });
  }
  counter('keepalived_gratuitous_arp_delay_total', 'Gratuitous ARP delay (garp_master_delay, seconds)', ['iname', 'intf', 'vrid'], (set, st) => {
    for (const i of st.instances) set({ iname: i.name, intf: i.interface ?? '', vrid: i.vrid }, src.garpDelay(i.name));
  });
  gauge('keepalived_vrrp_state', 'State of vrrp', ['iname', 'intf', 'vrid', 'ip_address'], (set, st) => {
    for (const i of st.instances) {
      const vips = i.vips.filter((v) => !v.excluded);
      if (vips.length === 0) set({ iname: i.name, intf: i.interface ?? '', vrid: i.vrid, ip_address: '' }, STATE_VALUE[i.state] ?? 0);
      for (const v of vips) set({ iname: i.name, intf: v.interface, vrid: i.vrid, ip_address: `${v.address}/${v.prefix}` }, STATE_VALUE[i.state] ?? 0);
    }
  });
  gauge('keepalived_vrrp_excluded_state', 'State of vrrp with excluded VIP', ['iname', 'intf', 'vrid', 'ip_address'], (set, st) => {
    for (const i of st.instances) for (const v of i.vips.filter((x) => x.excluded)) set({ iname: i.name, intf: v.interface, vrid: i.vrid, ip_address: `${v.address}/${v.prefix}` }, STATE_VALUE[i.state] ?? 0);
  });
  gauge('keepalived_script_status', 'Tracker Script Status', ['name'], (set, st) => {
    const seen = new Set<string>();
    for (const i of st.instances) {
      for (const t of i.trackers) {
        if (t.type !== 'script' || seen.has(t.name) || t.status === 'init') continue;
        seen.add(t.name);
        set({ name: t.name }, t.status === 'up' ? 1 : 0);
      }
    }
  });
  return registry;
}

export { parseListen } from './listen-address.js';

/** The `/metrics` HTTP listener. Only GET / HEAD of /metrics without a body; anything else is answered and counted. */
export class MetricsServer {
  readonly errors: Record<string, number> = {};
  private server: Server | undefined;
  readonly registry: Registry;

  constructor(
    src: MetricsSource,
    private readonly log: Logger,
  ) {
    this.registry = createRegistry(src, () => this.errors);
  }

  private bad(res: ServerResponse, status: number, reason: string, message: string, headers: Record<string, string> = {}): void {
    this.errors[reason] = (this.errors[reason] ?? 0) + 1;
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close', ...headers });
    res.end(`${message}\n`);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return this.bad(res, 405, 'method', `method ${String(req.method).slice(0, 16)} not allowed: GET /metrics`, { Allow: 'GET, HEAD' });
    const len = req.headers['content-length'];
    if ((len !== undefined && len !== '0') || req.headers['transfer-encoding'] !== undefined) return this.bad(res, 400, 'body', 'a metrics request has no body');
    if (path !== '/metrics') return this.bad(res, 404, 'path', 'not found: the metrics are at /metrics');
    try {
      const body = await this.registry.metrics();
      res.writeHead(200, { 'Content-Type': this.registry.contentType });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (err) {
      this.log.error({ event: LOG_EVENT.metricsError, err }, `metrics: cannot collect: ${String(err)}`);
      this.bad(res, 500, 'internal', 'internal error while collecting metrics');
    }
  }

  /** Resolves false (after one clear line) when it cannot listen; the daemon runs VRRP regardless. */
  async listen(host: string, port: number): Promise<boolean> {
    const server = createServer({ requestTimeout: 5000, headersTimeout: 5000, maxHeaderSize: 8192 }, (req, res) => {
      // A body is never read: pause it so an endless upload costs nothing, and close after answering.
      req.pause();
      void this.handle(req, res);
    });
    server.maxConnections = 64;
    server.keepAliveTimeout = 5000;
    server.on('clientError', (_err, socket) => {
      this.errors.malformed = (this.errors.malformed ?? 0) + 1;
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        this.log.error({ event: LOG_EVENT.metricsUnavailable, host, port }, `metrics listener ${host}:${port} cannot be opened: ${err.code ?? err.message} - running without it`);
        resolve(false);
      });
      server.listen(port, host, () => resolve(true));
    });
    if (!ok) return false;
    this.server = server;
    this.log.info({ event: LOG_EVENT.metricsListening, host, port }, `metrics on http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`);
    return true;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
