// The client commands on the havipd binary (issue 10 §2): `havipd status|reload|garp|events|switchover|
// maintenance`, each one request on the control socket. keepalived takes no positional arguments, so the
// first bare word of the command line names a subcommand; an unknown word is an error with the nearest
// command suggested — never a daemon started by a typo.

import { Command, CommanderError, Option } from 'commander';
import { ClientError, request, type ClientReply, type RequestOptions } from '../ops/control-client.js';
import { DEFAULT_CONTROL_SOCKET } from '../ops/control-server.js';
import { renderStatus, type DaemonStatus } from '../ops/status.js';
import type { OpsEvent } from '../ops/events.js';

// The command words and the first-word scan live in ./subcommands.js, which main loads on every run; this
// file (the control-socket client) is loaded only when a command is given.
export { SUBCOMMANDS, CLIENT_EXIT, firstWord, suggest } from './subcommands.js';
import { CLIENT_EXIT } from './subcommands.js';

export interface ClientIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
}

function fmtTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function formatEvent(e: OpsEvent): string {
  return `${fmtTime(e.time)}  ${e.kind.padEnd(10)} ${e.message}`;
}

interface Ctx {
  readonly io: ClientIo;
  readonly socket: () => string;
  code: number;
}

async function ask(ctx: Ctx, req: Record<string, unknown>, o: RequestOptions = {}): Promise<ClientReply | undefined> {
  try {
    const reply = await request(ctx.socket(), req, o);
    if (!reply.ok) {
      const e = reply.error;
      ctx.io.stderr(`havipd: ${e?.message ?? 'the daemon refused'}${e?.code ? ` [${e.code}]` : ''}\n`);
      const details = e?.details as { diagnostics?: unknown } | undefined;
      if (details && Array.isArray(details.diagnostics)) for (const d of details.diagnostics) ctx.io.stderr(`  ${String(d)}\n`);
      ctx.code = CLIENT_EXIT.ERROR;
      return undefined;
    }
    return reply;
  } catch (err) {
    ctx.io.stderr(`havipd: ${err instanceof ClientError ? err.message : `cannot talk to the daemon: ${String(err)}`}\n`);
    ctx.code = CLIENT_EXIT.UNREACHABLE;
    return undefined;
  }
}

function printInstances(ctx: Ctx, result: unknown): void {
  const r = result as { instances?: Array<Record<string, unknown>> };
  for (const i of r.instances ?? []) {
    const took = typeof i.elapsedMs === 'number' ? ` after ${i.elapsedMs} ms` : '';
    ctx.io.stdout(i.outcome ? `${String(i.instance)}: ${String(i.outcome)}${took}\n` : `${String(i.instance)}: ${String(i.note)}\n`);
    if (i.action === 'refuse') ctx.code = CLIENT_EXIT.ERROR;
  }
}

/** Build the client program (commander), its actions writing to `io`. */
function clientProgram(ctx: Ctx): Command {
  const p = new Command('havipd');
  p.exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.stdout(s), writeErr: (s) => ctx.io.stderr(s), outputError: (s, w) => w(s) })
    .option('--control-socket <path>', `the daemon's control socket (default ${DEFAULT_CONTROL_SOCKET})`)
    .allowExcessArguments(false)
    .showSuggestionAfterError(true);
  p.command('status')
    .description('state, priorities, trackers, peers, VIPs in the kernel, counters (live from the daemon)')
    .argument('[instance]')
    .option('--json', 'the status document as JSON (schema in the README)')
    .action(async (instance: string | undefined, o: { json?: boolean }) => {
      const r = await ask(ctx, { cmd: 'status', ...(instance ? { instance } : {}) });
      if (!r) return;
      ctx.io.stdout(o.json ? `${JSON.stringify(r.result, null, 2)}\n` : renderStatus(r.result as DaemonStatus));
    });
  p.command('reload')
    .description('check the configuration (-t), refuse if broken, else reload and print what changed')
    .action(async () => {
      const r = await ask(ctx, { cmd: 'reload' }, { totalMs: 60_000 });
      if (!r) return;
      const out = r.result as { changes: { kept: string[]; added: string[]; removed: string[]; vipsAdded: Record<string, string[]>; vipsRemoved: Record<string, string[]> }; warnings?: string[] };
      const c = out.changes;
      const list = (x: string[]): string => (x.length ? x.join(', ') : '-');
      ctx.io.stdout(`reloaded: kept ${list(c.kept)}; added ${list(c.added)}; removed ${list(c.removed)}\n`);
      for (const [i, v] of Object.entries(c.vipsAdded)) ctx.io.stdout(`  ${i}: VIPs added ${v.join(', ')}\n`);
      for (const [i, v] of Object.entries(c.vipsRemoved)) ctx.io.stdout(`  ${i}: VIPs removed ${v.join(', ')}\n`);
      for (const w of out.warnings ?? []) ctx.io.stderr(`  ${w}\n`);
    });
  p.command('garp')
    .description('send the gratuitous ARP / unsolicited NA burst now (MASTER instances)')
    .argument('[instance]')
    .action(async (instance: string | undefined) => {
      const r = await ask(ctx, { cmd: 'garp', ...(instance ? { instance } : {}) });
      if (r) printInstances(ctx, r.result);
    });
  p.command('events')
    .description('recent transitions, tracker changes, reloads and faults (in-memory ring)')
    .option('--follow', 'keep printing new events')
    .option('--json', 'one JSON object per line')
    .addOption(new Option('-n, --lines <n>', 'how many recent events').default('50'))
    .action(async (o: { follow?: boolean; json?: boolean; lines: string }) => {
      const limit = Number(o.lines);
      if (!Number.isInteger(limit) || limit < 0 || limit > 10_000) {
        ctx.io.stderr('havipd: --lines must be 0..10000\n');
        ctx.code = CLIENT_EXIT.USAGE;
        return;
      }
      const print = (e: unknown): void => ctx.io.stdout(o.json ? `${JSON.stringify(e)}\n` : `${formatEvent(e as OpsEvent)}\n`);
      // The recent events first, then (with --follow) each new one as it happens.
      let printed = false;
      const printRecent = (result: unknown): void => {
        if (printed) return;
        printed = true;
        for (const e of (result as { events: OpsEvent[] }).events) print(e);
      };
      const r = await ask(ctx, { cmd: 'events', limit, follow: o.follow === true }, o.follow ? { onReply: printRecent, onEvent: print } : {});
      if (!r) return;
      printRecent(r.result);
      if (o.follow) ctx.io.stderr('havipd: the daemon closed the connection\n');
    });
  p.command('switchover')
    .description('MASTER: hand the VIP to the best backup now; BACKUP: take it over')
    .argument('[instance]')
    .option('--group <name>', 'move this vrrp_sync_group as one (naming a member does the same)')
    .action(async (instance: string | undefined, o: { group?: string }) => {
      const r = await ask(ctx, { cmd: 'switchover', ...(instance ? { instance } : {}), ...(o.group ? { group: o.group } : {}) }, { onProgress: (t) => ctx.io.stdout(`${t}\n`) });
      if (r) printInstances(ctx, r.result);
    });
  p.command('maintenance')
    .description('on: hand over if MASTER and never become MASTER until off (kept across restarts)')
    .argument('<on|off>')
    .argument('[instance]')
    .action(async (mode: string, instance: string | undefined) => {
      if (mode !== 'on' && mode !== 'off') {
        ctx.io.stderr(`havipd: maintenance takes 'on' or 'off', not '${mode}'\n`);
        ctx.code = CLIENT_EXIT.USAGE;
        return;
      }
      const r = await ask(ctx, { cmd: 'maintenance', on: mode === 'on', ...(instance ? { instance } : {}) }, { onProgress: (t) => ctx.io.stdout(`${t}\n`) });
      if (!r) return;
      printInstances(ctx, r.result);
      ctx.io.stdout(`kept in ${String((r.result as { persisted?: string }).persisted)}\n`);
    });
  return p;
}

/**
 * Run a client command; `args` are the normalised arguments (after node and the script). Resolves to the
 * exit code; never throws.
 */
export async function runClient(args: readonly string[], io: ClientIo): Promise<number> {
  let socketPath = DEFAULT_CONTROL_SOCKET;
  const ctx: Ctx = { io, socket: () => socketPath, code: CLIENT_EXIT.OK };
  const p = clientProgram(ctx);
  p.hook('preAction', (cmd) => {
    const s = cmd.optsWithGlobals<{ controlSocket?: string }>().controlSocket;
    if (s) socketPath = s;
  });
  try {
    await p.parseAsync([...args], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : CLIENT_EXIT.USAGE;
    io.stderr(`havipd: ${err instanceof Error ? err.message : String(err)}\n`);
    return CLIENT_EXIT.ERROR;
  }
  return ctx.code;
}
