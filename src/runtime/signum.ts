// `--signum=SIGFUNC` (keepalived lib/signals.c get_signum): the signal number that triggers a daemon function,
// printed on stdout so that scripts and exporters need not hard-code numbers (`kill -$(havipd --signum=JSON)`).

/** glibc's SIGRTMIN on Linux (two real-time signals are kept by NPTL); the addon reports the live value. */
export const LINUX_SIGRTMIN = 34;
/** Linux's SIGRTMAX (_NSIG - 1) on every architecture Node runs on. */
export const LINUX_SIGRTMAX = 64;

/** The signal functions keepalived 2.4.3 (built with JSON support) knows, case-sensitive. */
export const SIGNAL_FUNCTIONS = ['STOP', 'RELOAD', 'DATA', 'STATS', 'STATS_CLEAR', 'JSON'] as const;
export type SignalFunction = (typeof SIGNAL_FUNCTIONS)[number];

/**
 * The signal number of `func`, or undefined for an unknown name. keepalived-compat: STOP SIGTERM, RELOAD SIGHUP,
 * DATA SIGUSR1, STATS SIGUSR2, STATS_CLEAR SIGRTMAX-1, JSON SIGRTMIN+2 (lib/signals.h).
 * Test: test/cli/signum.test.ts "maps the signal functions as keepalived lib/signals.c does (pure)".
 */
export function signalNumber(func: string, rtmin = LINUX_SIGRTMIN, rtmax = LINUX_SIGRTMAX): number | undefined {
  switch (func) {
    case 'STOP': return 15;
    case 'RELOAD': return 1;
    case 'DATA': return 10;
    case 'STATS': return 12;
    case 'STATS_CLEAR': return rtmax - 1;
    case 'JSON': return rtmin + 2;
    default: return undefined;
  }
}

/**
 * `--signum` as keepalived answers it: the number and exit 0; `Unknown sigfunc X` and exit 1; an empty value
 * `Missing parameter for option --signum` and exit 1.
 */
export function signumCommand(func: string, io: { stdout: (s: string) => void; stderr: (s: string) => void }, rtmin?: number): number {
  if (func === '') {
    io.stderr('Missing parameter for option --signum\n');
    return 1;
  }
  const n = signalNumber(func, rtmin);
  if (n === undefined) {
    io.stderr(`Unknown sigfunc ${func}\n`);
    return 1;
  }
  io.stdout(`${n}\n`);
  return 0;
}
