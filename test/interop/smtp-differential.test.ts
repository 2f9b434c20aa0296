// SMTP alerts, differential (reference §1.9.2, §3.13 item 4): the same configuration and scenario with
// keepalived 2.2.7 and with havipd, each alone in its own namespace with a recording SMTP server on the
// namespace's 127.0.0.1:2525 (test/interop/helpers/smtp-recorder.mjs). Scenario: start (BACKUP, then
// MASTER after the down timer), a tracked spare veth link down (FAULT), up (BACKUP, MASTER), SIGTERM.
// Asserted equal: the SMTP command sequence (default HELO name and sender included), the subjects in order, the header names, the body text, and
// the whole DATA text once Date is normalised.

import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { interopGuard } from '../support/interop-guard.js';
import { createNetns, destroyAll, sweepStaleNetns, waitFor, scratchDir, type Netns, type Spawned } from '../support/netns.js';
import { entering, explainFailure, startNode, vrrpConfig, type NodeKind, type VrrpNode } from '../support/scenario.js';

const guard = interopGuard();
const RECORDER = join(fileURLToPath(new URL('.', import.meta.url)), 'helpers', 'smtp-recorder.mjs');

interface Session {
  readonly lines: readonly string[];
  readonly data?: string;
}

interface Run {
  readonly sessions: Session[];
  readonly log: string;
}

function config(): string {
  return vrrpConfig({
    routerId: 'hv_smtp',
    globals: [
      'notification_email {',
      '  ops@example.com',
      '  "Second <second@example.org>"',
      '}',
      // No notification_email_from / smtp_helo_name: keepalived's defaults (<user>@<local name>, local name).
      'smtp_server 127.0.0.1 2525',
      'smtp_connect_timeout 5',
      'smtp_alert',
    ],
    instances: [{ iface: 'hveth0', vrid: 61, priority: 150, vips: ['10.9.0.61/24'], extra: ['track_interface {', '  hvspare0', '}'] }],
  });
}

/** Mails expected after the first MASTER, after FAULT, after the second MASTER. */
type Counts = readonly [number, number, number];

/** A sync group (group smtp_alert from the global), VI_2 with smtp_alert off, no_email_faults. */
function groupConfig(): string {
  return vrrpConfig({
    routerId: 'hv_smtp',
    globals: ['notification_email {', '  ops@example.com', '}', 'smtp_server 127.0.0.1 2525', 'smtp_alert', 'no_email_faults'],
    instances: [
      { iface: 'hveth0', vrid: 61, priority: 150, vips: ['10.9.0.61/24'], extra: ['track_interface {', '  hvspare0', '}'] },
      { name: 'VI_2', iface: 'hveth0', vrid: 62, priority: 150, vips: ['10.9.0.62/24'], extra: ['smtp_alert off'] },
    ],
  }).replace('vrrp_instance', 'vrrp_sync_group SG1 {\n  group {\n    VI_1\n    VI_2\n  }\n}\nvrrp_instance');
}

async function scenario(kind: NodeKind, conf: string, counts: Counts): Promise<Run> {
  const ns: Netns = await createNetns('hv-smtp');
  const scratch = scratchDir('hv-smtp');
  const out = join(scratch.path, `${kind}.jsonl`);
  let rec: Spawned | undefined;
  let node: VrrpNode | undefined;
  try {
    for (const args of [
      ['link', 'add', 'hveth0', 'type', 'veth', 'peer', 'name', 'hveth1'],
      ['link', 'add', 'hvspare0', 'type', 'veth', 'peer', 'name', 'hvspare1'],
      ['link', 'set', 'hveth1', 'up'],
      ['link', 'set', 'hveth0', 'up'],
      ['link', 'set', 'hvspare1', 'up'],
      ['link', 'set', 'hvspare0', 'up'],
      ['addr', 'add', '10.9.0.1/24', 'dev', 'hveth0'],
    ])
      await ns.ip(args);
    rec = ns.spawn([process.execPath, RECORDER, '127.0.0.1', '2525', out]);
    await waitFor(() => rec!.output().includes('listening'), { timeoutMs: 5_000, what: 'SMTP recorder listening' });
    node = await startNode(kind, ns, conf);
    const n = node;
    const count = (): number => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean).length : 0);
    await explainFailure(() => [n], async () => {
      await n.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
      await waitFor(() => count() >= counts[0], { timeoutMs: 5_000, what: `${kind}: BACKUP and MASTER mails` });
      await ns.ip(['link', 'set', 'hvspare1', 'down']);
      await n.waitForLog(entering('FAULT'), { timeoutMs: 5_000 });
      await waitFor(() => count() >= counts[1], { timeoutMs: 5_000, what: `${kind}: FAULT mail` });
      await ns.ip(['link', 'set', 'hvspare1', 'up']);
      await n.waitForLog(entering('MASTER'), { after: 1, timeoutMs: 10_000 });
      await waitFor(() => count() >= counts[2], { timeoutMs: 5_000, what: `${kind}: BACKUP and MASTER mails after the link came back` });
    });
    await n.stop('SIGTERM');
    // keepalived opens a "Stopping" connection it never completes; give any such session time to be recorded.
    await new Promise((r) => setTimeout(r, 500));
    const sessions = readFileSync(out, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Session);
    return { sessions, log: n.log() };
  } finally {
    await node?.stop('SIGTERM');
    await rec?.stop('SIGTERM', 1_000);
    await ns.destroy();
    scratch.remove();
  }
}

const delivered = (r: Run): Session[] => r.sessions.filter((s) => s.data !== undefined);
const subject = (s: Session): string => /^Subject: (.*)$/m.exec(s.data!.replace(/\r\n/g, '\n'))?.[1] ?? '';
const headerNames = (s: Session): string[] =>
  s.data!.split('\r\n\r\n')[0]!.split('\r\n').map((h) => h.slice(0, h.indexOf(':')));
const body = (s: Session): string => s.data!.slice(s.data!.indexOf('\r\n\r\n') + 4);
const normalised = (s: Session): string => s.data!.replace(/^Date: .*$/m, 'Date: <date>');
const DATE = /^Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$/m;

describe.skipIf(guard.skip)('SMTP alerts: havipd sends what keepalived 2.2.7 sends', () => {
  afterAll(async () => {
    await destroyAll();
  });

  it('start → BACKUP, MASTER; tracked link down → FAULT; up → BACKUP, MASTER; stop', async () => {
    await sweepStaleNetns('hv-smtp');
    const ka = await scenario('keepalived', config(), [2, 3, 5]);
    const hv = await scenario('havipd', config(), [2, 3, 5]);
    const subjects = ['BACKUP', 'MASTER', 'FAULT', 'BACKUP', 'MASTER'].map((s) => `[hv_smtp] VRRP Instance VI_1 - Entering ${s} state`);
    expect(delivered(ka).map(subject)).toEqual(subjects);
    expect(delivered(hv).map(subject)).toEqual(subjects);
    // The command sequence of every delivered mail.
    const helo = delivered(ka)[0]!.lines[0]!;
    const from = /^MAIL FROM:<(.*)>$/.exec(delivered(ka)[0]!.lines[1]!)?.[1];
    expect(helo).toMatch(/^HELO \S+$/);
    expect(from).toMatch(/^[^@]+@\S+$/);
    const dialogue = [helo, `MAIL FROM:<${from}>`, 'RCPT TO:<ops@example.com>', 'RCPT TO:<Second <second@example.org>>', 'DATA', '.', 'QUIT'];
    for (const r of [ka, hv]) for (const s of delivered(r)) expect(s.lines).toEqual(dialogue);
    for (const r of [ka, hv]) for (const s of delivered(r)) expect(s.data).toMatch(DATE);
    expect(delivered(hv).map(headerNames)).toEqual(delivered(ka).map(headerNames));
    expect(headerNames(delivered(ka)[0]!)).toEqual(['Date', 'From', 'Subject', 'X-Mailer', 'To']);
    expect(delivered(hv).map(body)).toEqual(delivered(ka).map(body));
    expect(delivered(hv).map(normalised)).toEqual(delivered(ka).map(normalised));
    // No "Stopping" mail is delivered by either (keepalived opens a connection and exits before HELO).
    for (const r of [ka, hv]) expect(r.sessions.every((s) => s.data === undefined || !subject(s).includes('Stopping'))).toBe(true);
    expect(ka.sessions.filter((s) => s.data === undefined).every((s) => s.lines.length === 0)).toBe(true);
  });

  it('sync group: group and member mails in keepalived\'s order, smtp_alert off honoured, no_email_faults', async () => {
    const ka = await scenario('keepalived', groupConfig(), [4, 4, 8]);
    const hv = await scenario('havipd', groupConfig(), [4, 4, 8]);
    const g = (st: string): string => `[hv_smtp] VRRP Group SG1 - Entering ${st} state`;
    const i = (st: string): string => `[hv_smtp] VRRP Instance VI_1 - Entering ${st} state`;
    const subjects = [g('BACKUP'), i('BACKUP'), i('MASTER'), g('MASTER'), i('BACKUP'), g('BACKUP'), i('MASTER'), g('MASTER')];
    // keepalived sends each mail on its own connection at once, so a group mail and a member mail of the
    // same moment may arrive either way round (they came in this order in every run so far); havipd's queue
    // keeps the order of the transitions.
    expect(delivered(ka).map(subject).sort()).toEqual([...subjects].sort());
    expect(delivered(hv).map(subject)).toEqual(subjects);
    expect(delivered(hv).map(normalised).sort()).toEqual(delivered(ka).map(normalised).sort());
    expect(delivered(hv).map((s) => s.lines)).toEqual(delivered(ka).map((s) => s.lines));
  });
});
