// Coded errors of the edges (ARCHITECTURE.md §4.3): every failure a caller may act on has a stable code.
// Configuration problems are not errors but diagnostics (src/config-parser/diagnostics.ts); script and dump
// failures are logged where they happen.

export const ERROR_CODES = {
  HAVIPD_NO_PRIVILEGE: 'missing CAP_NET_RAW / CAP_NET_ADMIN',
  HAVIPD_SOCKET: 'socket operation failed',
  HAVIPD_ADDRESS: 'address operation failed',
  HAVIPD_LINK: 'link operation failed',
  HAVIPD_NATIVE_MISSING: 'native addon not built',
  HAVIPD_NOTIFY: 'notification failed',
  HAVIPD_INTERFACE: 'interface missing or unusable',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class HavipdError extends Error {
  readonly code: ErrorCode;
  /** errno name (ENODEV, EPERM, …) when the failure came from a system call. */
  readonly errno: string | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; errno?: string }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'HavipdError';
    this.code = code;
    this.errno = options?.errno ?? errnoOf(options?.cause);
  }

  /**
   * A failed system call as `HAVIPD_INTERFACE` (ENODEV, ENXIO), `HAVIPD_NO_PRIVILEGE` (EPERM, EACCES) or
   * `fallback`, with the message `what: cause message` and the errno name.
   */
  static fromErrno(what: string, err: unknown, fallback: ErrorCode = 'HAVIPD_SOCKET'): HavipdError {
    const msg = err instanceof Error ? err.message : String(err);
    const errno = errnoOf(err);
    const code: ErrorCode = errno === 'ENODEV' || errno === 'ENXIO' ? 'HAVIPD_INTERFACE' : errno === 'EPERM' || errno === 'EACCES' ? 'HAVIPD_NO_PRIVILEGE' : fallback;
    return new HavipdError(code, `${what}: ${msg}`, { cause: err, ...(errno ? { errno } : {}) });
  }
}

/** The errno name carried by a Node or addon error (`err.code` like 'ENODEV'), if any. */
export function errnoOf(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    const c = (err as { code: string }).code;
    return /^E[A-Z0-9]+$/.test(c) ? c : undefined;
  }
  return undefined;
}
