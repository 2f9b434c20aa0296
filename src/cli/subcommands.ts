// The client command words of the havipd binary (issue 10 §2) and the scan for the first bare word of a
// command line: what main needs on every run to tell a command from the daemon's options, without loading the
// control-socket client (./client.ts), which only a command uses.

export const SUBCOMMANDS = ['status', 'reload', 'garp', 'events', 'switchover', 'maintenance'] as const;

/** Exit codes of the client commands. */
export const CLIENT_EXIT = {
  OK: 0,
  /** The daemon answered with an error or refused. */
  ERROR: 1,
  /** Usage error (unknown command, bad argument). */
  USAGE: 2,
  /** The daemon is not running or did not answer in time. */
  UNREACHABLE: 3,
} as const;

/** Options of the daemon's command line that take a value (so their value is not a subcommand). */
const VALUE_OPTIONS = new Set([
  '-f', '--use-file', '--config', '-i', '--config-id', '-S', '--log-facility', '-p', '--pid', '-r', '--vrrp_pid',
  '--transport', '--udp-port', '--log-format', '--config-test-log', '--log-file', '--control-socket', '--control-group',
  '--metrics-listen', '--state-dir', '--signum', '--settings',
]);

/** The first bare word of `args` (already normalised), skipping option values, or undefined. */
export function firstWord(args: readonly string[]): { word: string; index: number } | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return args[i + 1] !== undefined ? { word: args[i + 1]!, index: i + 1 } : undefined;
    if (a.startsWith('-')) {
      if (VALUE_OPTIONS.has(a)) i++;
      continue;
    }
    return { word: a, index: i };
  }
  return undefined;
}

/** Damerau-free Levenshtein distance (small inputs). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

/** The nearest subcommand to `word`, when it is near enough to be a typo. */
export function suggest(word: string): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of SUBCOMMANDS) {
    const d = c.startsWith(word.toLowerCase()) && word.length >= 2 ? 0 : distance(word.toLowerCase(), c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}
