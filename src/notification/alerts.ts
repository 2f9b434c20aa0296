// SMTP alerts on state transitions (reference §1.9.2, §1.9.3, §1.9.5, §3.13 item 4; keepalived 2.2.7
// `vrrp_notify.c` vrrp_smtp_notifier / vrrp_sync_smtp_notifier): fed by the same effects as the notifier,
// decides which transitions are mailed and with which subject and body, and hands them to the mail queue.
//
// keepalived's rule: a mail when `smtp_alert` is on for the instance (group), the new state differs from
// the last mailed one (initially INIT, so the first BACKUP after start is mailed), and it is not FAULT
// with `no_email_faults`. Instance mails: MASTER, BACKUP, FAULT, DELETED (a removed instance without
// `notify_deleted` is reported FAULT, as its notify). Group mails: MASTER, BACKUP, FAULT.
//
// keepalived-compat: no "Stopping" mail. keepalived 2.2.7 starts one at shutdown but exits before the
// server's greeting arrives (verified: the recording server sees a connection and no command), so no
// STOP mail is ever delivered; havipd does not open that connection.
// Test: test/unit/notification/alerts.test.ts "BACKUP at start, MASTER, FAULT, BACKUP, MASTER; no STOP mail (keepalived-compat: never delivered)".

import type { DaemonConfig } from '../config-parser/types.js';
import type { Effect } from '../vrrp/effects.js';
import { MailQueue, localName, smtpSettings, type MailMessage, type MailQueueOptions, type SmtpLogger, type SmtpSettings } from './smtp.js';

export type AlertState = 'MASTER' | 'BACKUP' | 'FAULT' | 'DELETED';

/** Subject suffix and body of an instance mail (keepalived's texts). */
export function instanceMail(routerId: string, instance: string, state: AlertState): MailMessage {
  const [what, body] =
    state === 'MASTER'
      ? ['Entering MASTER state', '=> VRRP Instance is now owning VRRP VIPs <=']
      : state === 'BACKUP'
        ? ['Entering BACKUP state', '=> VRRP Instance is no longer owning VRRP VIPs <=']
        : state === 'FAULT'
          ? ['Entering FAULT state', '=> VRRP Instance is no longer owning VRRP VIPs <=']
          : ['Deleted', '=> VRRP Deleted at reload <='];
  return { subject: `[${routerId}] VRRP Instance ${instance} - ${what}`, body };
}

/** Subject and body of a sync group mail (keepalived's texts). DELETED is not mailed for groups. */
export function groupMail(routerId: string, group: string, state: Exclude<AlertState, 'DELETED'>): MailMessage {
  return { subject: `[${routerId}] VRRP Group ${group} - Entering ${state} state`, body: `=> All VRRP group instances are now in ${state} state <=` };
}

/** A group's `smtp_alert` with keepalived's defaults (vrrp.c: group, then smtp_alert_vrrp, then smtp_alert, then off). */
export function groupSmtpAlert(group: { readonly smtpAlert: boolean | undefined }, g: DaemonConfig['global']): boolean {
  return group.smtpAlert ?? g.smtpAlertVrrp ?? g.smtpAlert ?? false;
}

/** The mail state of a transition's target, or undefined when keepalived mails nothing for it. */
function mailState(to: string): Exclude<AlertState, 'DELETED'> | undefined {
  return to === 'MASTER' || to === 'BACKUP' || to === 'FAULT' ? to : undefined;
}

export interface AlerterOptions extends Omit<MailQueueOptions, 'log'> {
  readonly log: SmtpLogger;
  /** Local name for defaults (router_id, HELO, From); default {@link localName}. */
  readonly localName?: () => string;
  /** How mails leave (tests): default a {@link MailQueue}. */
  readonly deliver?: (msg: MailMessage) => void;
}

interface Target {
  readonly alert: boolean;
}

/**
 * Turns effects into SMTP alerts. Pass every effect to {@link SmtpAlerter.handle} (after the notifier).
 * Inert — no queue, no socket — while `smtp_server` or `notification_email` is missing.
 */
export class SmtpAlerter {
  private config: DaemonConfig;
  private instances = new Map<string, Target>();
  private groups = new Map<string, Target>();
  private retired = new Map<string, Target>();
  /** Last mailed state per `i:NAME` / `g:NAME` (keepalived `last_email_state`, initially INIT). */
  private readonly last = new Map<string, string>();
  private settings: SmtpSettings | undefined;
  private queue: MailQueue | undefined;
  private local: string | undefined;

  constructor(
    config: DaemonConfig,
    private readonly opts: AlerterOptions,
  ) {
    this.config = config;
    this.apply(config);
  }

  private localName(): string {
    return (this.local ??= (this.opts.localName ?? localName)());
  }

  private apply(config: DaemonConfig): void {
    this.config = config;
    this.instances = new Map(config.instances.map((i) => [i.name, { alert: i.smtpAlert }]));
    this.groups = new Map(config.syncGroups.map((g) => [g.name, { alert: groupSmtpAlert(g, config.global) }]));
    this.settings = smtpSettings(config.global, () => this.localName());
    if (this.settings && !this.opts.deliver) {
      if (this.queue) this.queue.update(this.settings);
      else this.queue = new MailQueue(this.settings, this.opts);
    }
  }

  /** True when mails can be sent with the current configuration. */
  get active(): boolean {
    return this.settings !== undefined;
  }

  private routerId(): string {
    return this.config.global.routerId ?? this.localName();
  }

  /** One notification effect, from the Supervisor's effect switch. Never throws. */
  handle(e: Effect): void {
    switch (e.kind) {
      case 'transition':
        if (e.notify) this.instance(e.instance, e.to);
        return;
      case 'notify':
        this.instance(e.instance, e.state);
        return;
      case 'groupTransition': {
        const t = this.groups.get(e.group) ?? this.retired.get(`g:${e.group}`);
        const s = mailState(e.to);
        if (t && s) this.maybeSend(`g:${e.group}`, t.alert, s, () => groupMail(this.routerId(), e.group, s));
        return;
      }
      default:
        return;
    }
  }

  private instance(name: string, to: string): void {
    const t = this.instances.get(name) ?? this.retired.get(`i:${name}`);
    if (!t) return;
    // keepalived-compat: a removed instance is DELETED with notify_deleted, else FAULT (send_instance_notifies);
    // the core decided which (`to`).
    // Test: test/unit/notification/alerts.test.ts "a removed instance: FAULT without notify_deleted, Deleted with it".
    const s: AlertState | undefined = to === 'DELETED' ? 'DELETED' : mailState(to);
    if (s) {
      const state = s;
      this.maybeSend(`i:${name}`, t.alert, state, () => instanceMail(this.routerId(), name, state));
    }
  }

  private maybeSend(key: string, alert: boolean, state: AlertState, mail: () => MailMessage): void {
    if (!alert) return;
    if (state === 'FAULT' && this.config.global.noEmailFaults) return;
    if ((this.last.get(key) ?? 'INIT') === state) return;
    this.last.set(key, state);
    // keepalived smtp_alert(): nothing without recipients and a server (last_email_state is still updated).
    if (!this.settings) return;
    const m = mail();
    if (this.opts.deliver) this.opts.deliver(m);
    else this.queue?.enqueue(m);
  }

  /** SIGHUP, before the daemon applies `config`: removed instances keep their old settings for their last mail. */
  reload(config: DaemonConfig): void {
    const retired = new Map<string, Target>();
    for (const [k, v] of this.instances) retired.set(`i:${k}`, v);
    for (const [k, v] of this.groups) retired.set(`g:${k}`, v);
    this.retired = retired;
    this.apply(config);
  }

  /** Resolves when every queued mail has been tried (tests). */
  async idle(): Promise<void> {
    await this.queue?.idle();
  }

  /** Shutdown: waits at most `waitMs` for queued mails. */
  async close(waitMs = 1_000): Promise<void> {
    await this.queue?.close(waitMs);
  }
}
