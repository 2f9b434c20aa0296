// Drives helpers/transport-agent.mjs inside a namespace from the interop tests: run it to completion,
// or start it as a receiver and wait (bounded) until its socket is open.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor, type Netns } from '../../support/netns.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const AGENT = join(ROOT, 'test/interop/helpers/transport-agent.mjs');
/** Run as nobody, without capabilities. */
export const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] as const;

export type AgentEvent = Record<string, unknown> & { event: string };

export const parseEvents = (out: string): AgentEvent[] =>
  out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as AgentEvent);

/** Run the agent to completion inside `ns` (bounded: 20 s). */
export async function agent(ns: Netns, scenario: object, prefix: readonly string[] = []): Promise<AgentEvent[]> {
  const res = await ns.exec([...prefix, process.execPath, AGENT, JSON.stringify(scenario)], { timeoutMs: 20_000, check: false });
  const events = parseEvents(res.stdout);
  if (events.length === 0) throw new Error(`agent printed nothing (exit ${res.code}): ${res.stderr}`);
  return events;
}

/** Start a receiving agent in `ns`, wait until its socket is open; the result awaits its events (bounded: 20 s). */
export async function receiver(ns: Netns, scenario: object, prefix: readonly string[] = []): Promise<() => Promise<AgentEvent[]>> {
  const p = ns.spawn([...prefix, process.execPath, AGENT, JSON.stringify(scenario)]);
  await waitFor(
    () => {
      if (p.hasExited()) throw new Error(`receiver exited early: ${p.output()}`);
      return /"event":"ready"/.test(p.output());
    },
    { timeoutMs: 10_000, what: 'receiver ready' },
  );
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        p.exited,
        new Promise((_, rej) => {
          timer = setTimeout(() => rej(new Error(`receiver did not finish: ${p.output()}`)), 20_000);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
    return parseEvents(p.output());
  };
}
