// SMTP alert decisions (src/notification/alerts.ts, keepalived 2.2.7 vrrp_notify.c vrrp_smtp_notifier /
// vrrp_sync_smtp_notifier): which transitions are mailed, the last-mailed-state rule, no_email_faults,
// smtp_alert defaults, group alerts, removed instances, and keepalived's subjects and bodies.

import { describe, expect, it } from 'vitest';
import type { Effect } from '../../../src/vrrp/effects.js';
import type { DaemonConfig, GlobalDefs } from '../../../src/config-parser/types.js';
import { SmtpAlerter, groupMail, groupSmtpAlert, instanceMail } from '../../../src/notification/alerts.js';
import type { MailMessage } from '../../../src/notification/smtp.js';
import { daemonConfig, globalDefs, instanceConfig, syncGroup } from '../../support/config.js';

const mailing: Partial<GlobalDefs> = { routerId: 'r1', smtpServer: { host: '127.0.0.1', port: 25 }, notificationEmail: ['ops@example.com'] };

const tr = (instance: string, from: string, to: string, o: Partial<{ notify: boolean; reason: string; group: string }> = {}): Effect =>
  ({ kind: 'transition', instance, vrid: 51, from, to, reason: o.reason ?? 'timer', priority: 100, group: o.group, notify: o.notify ?? true }) as unknown as Effect;
const gtr = (group: string, from: string, to: string): Effect => ({ kind: 'groupTransition', group, from, to, members: [] }) as unknown as Effect;

function alerter(config: DaemonConfig): { a: SmtpAlerter; mails: MailMessage[]; subjects: () => string[] } {
  const mails: MailMessage[] = [];
  const a = new SmtpAlerter(config, { log: { debug: () => undefined, info: () => undefined, error: () => undefined }, deliver: (m) => mails.push(m), localName: () => 'node.local' });
  return { a, mails, subjects: () => mails.map((m) => m.subject) };
}

describe('subjects and bodies (keepalived 2.2.7, recorded)', () => {
  it('instance mails', () => {
    expect(instanceMail('r1', 'VI_1', 'MASTER')).toEqual({ subject: '[r1] VRRP Instance VI_1 - Entering MASTER state', body: '=> VRRP Instance is now owning VRRP VIPs <=' });
    expect(instanceMail('r1', 'VI_1', 'BACKUP')).toEqual({ subject: '[r1] VRRP Instance VI_1 - Entering BACKUP state', body: '=> VRRP Instance is no longer owning VRRP VIPs <=' });
    expect(instanceMail('r1', 'VI_1', 'FAULT')).toEqual({ subject: '[r1] VRRP Instance VI_1 - Entering FAULT state', body: '=> VRRP Instance is no longer owning VRRP VIPs <=' });
    expect(instanceMail('r1', 'VI_1', 'DELETED')).toEqual({ subject: '[r1] VRRP Instance VI_1 - Deleted', body: '=> VRRP Deleted at reload <=' });
  });
  it('group mails', () => {
    expect(groupMail('r1', 'SG1', 'MASTER')).toEqual({ subject: '[r1] VRRP Group SG1 - Entering MASTER state', body: '=> All VRRP group instances are now in MASTER state <=' });
    expect(groupMail('r1', 'SG1', 'FAULT').body).toBe('=> All VRRP group instances are now in FAULT state <=');
  });
});

describe('which transitions are mailed', () => {
  it('BACKUP at start, MASTER, FAULT, BACKUP, MASTER; no STOP mail (keepalived-compat: never delivered)', () => {
    const { a, subjects } = alerter(daemonConfig({ global: mailing, instances: [instanceConfig({ smtpAlert: true })] }));
    for (const e of [tr('VI_1', 'INIT', 'BACKUP'), tr('VI_1', 'BACKUP', 'MASTER'), tr('VI_1', 'MASTER', 'FAULT'), tr('VI_1', 'FAULT', 'BACKUP'), tr('VI_1', 'BACKUP', 'MASTER'), tr('VI_1', 'MASTER', 'STOP')]) a.handle(e);
    expect(subjects()).toEqual(['BACKUP', 'MASTER', 'FAULT', 'BACKUP', 'MASTER'].map((s) => `[r1] VRRP Instance VI_1 - Entering ${s} state`));
  });

  it('only when the state differs from the last mailed one (a FAULT notify while in FAULT is not re-mailed)', () => {
    const { a, subjects } = alerter(daemonConfig({ global: mailing, instances: [instanceConfig({ smtpAlert: true })] }));
    a.handle(tr('VI_1', 'INIT', 'FAULT'));
    a.handle({ kind: 'notify', instance: 'VI_1', state: 'FAULT', priority: 100, group: undefined, reason: 'fault' } as unknown as Effect);
    a.handle(tr('VI_1', 'FAULT', 'BACKUP'));
    expect(subjects()).toEqual(['[r1] VRRP Instance VI_1 - Entering FAULT state', '[r1] VRRP Instance VI_1 - Entering BACKUP state']);
  });

  it('a transition without notifications (group member already notified, silent FAULT hold) is not mailed', () => {
    const { a, mails } = alerter(daemonConfig({ global: mailing, instances: [instanceConfig({ smtpAlert: true })] }));
    a.handle(tr('VI_1', 'INIT', 'BACKUP', { notify: false }));
    expect(mails).toEqual([]);
  });

  it('no_email_faults: FAULT is not mailed and does not count as mailed', () => {
    const { a, subjects } = alerter(daemonConfig({ global: { ...mailing, noEmailFaults: true }, instances: [instanceConfig({ smtpAlert: true })] }));
    for (const e of [tr('VI_1', 'INIT', 'BACKUP'), tr('VI_1', 'BACKUP', 'FAULT'), tr('VI_1', 'FAULT', 'BACKUP'), tr('VI_1', 'BACKUP', 'MASTER')]) a.handle(e);
    // BACKUP after FAULT equals the last mailed state (BACKUP): no mail.
    expect(subjects()).toEqual(['[r1] VRRP Instance VI_1 - Entering BACKUP state', '[r1] VRRP Instance VI_1 - Entering MASTER state']);
  });

  it('smtp_alert off on the instance: nothing; no server or no recipients: nothing', () => {
    for (const g of [mailing, { ...mailing, smtpServer: undefined }, { ...mailing, notificationEmail: [] }]) {
      const smtp = g === mailing ? false : true;
      const { a, mails } = alerter(daemonConfig({ global: g, instances: [instanceConfig({ smtpAlert: smtp })] }));
      a.handle(tr('VI_1', 'INIT', 'MASTER'));
      expect(mails).toEqual([]);
      expect(a.active).toBe(g === mailing);
    }
  });

  it('router_id defaults to the local name in the subject', () => {
    const { a, subjects } = alerter(daemonConfig({ global: { ...mailing, routerId: undefined }, instances: [instanceConfig({ smtpAlert: true })] }));
    a.handle(tr('VI_1', 'INIT', 'MASTER'));
    expect(subjects()).toEqual(['[node.local] VRRP Instance VI_1 - Entering MASTER state']);
  });

  it('a removed instance: FAULT without notify_deleted, Deleted with it', () => {
    const cmd = { raw: '/bin/true', argv: ['/bin/true'] };
    const { a, subjects } = alerter(
      daemonConfig({ global: mailing, instances: [instanceConfig({ smtpAlert: true }), instanceConfig({ name: 'VI_2', vrid: 52, smtpAlert: true, notify: { deleted: { command: cmd } } as never })] }),
    );
    a.handle(tr('VI_1', 'INIT', 'MASTER'));
    a.handle(tr('VI_2', 'INIT', 'MASTER'));
    a.reload(daemonConfig({ global: mailing, instances: [] }));
    a.handle(tr('VI_1', 'MASTER', 'FAULT', { reason: 'reload-removed' }));
    a.handle(tr('VI_2', 'MASTER', 'DELETED', { reason: 'reload-removed' }));
    expect(subjects().slice(2)).toEqual(['[r1] VRRP Instance VI_1 - Entering FAULT state', '[r1] VRRP Instance VI_2 - Deleted']);
  });
});

describe('sync groups', () => {
  it('group smtp_alert defaults: group, then smtp_alert_vrrp, then smtp_alert, then off', () => {
    const g = (o: Partial<GlobalDefs>) => globalDefs(o);
    expect(groupSmtpAlert({ smtpAlert: undefined }, g({}))).toBe(false);
    expect(groupSmtpAlert({ smtpAlert: undefined }, g({ smtpAlert: true }))).toBe(true);
    expect(groupSmtpAlert({ smtpAlert: undefined }, g({ smtpAlert: true, smtpAlertVrrp: false }))).toBe(false);
    expect(groupSmtpAlert({ smtpAlert: false }, g({ smtpAlertVrrp: true }))).toBe(false);
    expect(groupSmtpAlert({ smtpAlert: true }, g({}))).toBe(true);
  });

  it('group transitions are mailed with the group rule; members by their own smtp_alert', () => {
    const { a, subjects } = alerter(
      daemonConfig({ global: { ...mailing, smtpAlert: true }, instances: [instanceConfig({ smtpAlert: false }), instanceConfig({ name: 'VI_2', vrid: 52, smtpAlert: true })], syncGroups: [syncGroup('SG1', ['VI_1', 'VI_2'])] }),
    );
    a.handle(tr('VI_1', 'INIT', 'BACKUP', { group: 'SG1' }));
    a.handle(tr('VI_2', 'INIT', 'BACKUP', { group: 'SG1' }));
    a.handle(gtr('SG1', 'INIT', 'BACKUP'));
    a.handle(gtr('SG1', 'BACKUP', 'BACKUP'));
    a.handle(gtr('SG1', 'BACKUP', 'FAULT'));
    a.handle(gtr('SG1', 'FAULT', 'STOP'));
    expect(subjects()).toEqual(['[r1] VRRP Instance VI_2 - Entering BACKUP state', '[r1] VRRP Group SG1 - Entering BACKUP state', '[r1] VRRP Group SG1 - Entering FAULT state']);
  });

  it('no_email_faults applies to groups too', () => {
    const { a, subjects } = alerter(daemonConfig({ global: { ...mailing, noEmailFaults: true }, instances: [instanceConfig()], syncGroups: [syncGroup('SG1', ['VI_1'], { smtpAlert: true })] }));
    a.handle(gtr('SG1', 'INIT', 'FAULT'));
    a.handle(gtr('SG1', 'FAULT', 'MASTER'));
    expect(subjects()).toEqual(['[r1] VRRP Group SG1 - Entering MASTER state']);
  });
});
