// Coded errors of the edges (ARCHITECTURE.md §4.3): every failure a caller may act on has a stable code.

export const ERROR_CODES = {
  HAVIPD_CONFIG_NOT_FOUND: 'configuration file not found or unreadable',
  HAVIPD_CONFIG_INVALID: 'configuration has errors',
  HAVIPD_NO_PRIVILEGE: 'missing CAP_NET_RAW / CAP_NET_ADMIN',
  HAVIPD_SOCKET: 'socket operation failed',
  HAVIPD_ADDRESS: 'address operation failed',
  HAVIPD_LINK: 'link operation failed',
  HAVIPD_NATIVE_MISSING: 'native addon not built',
  HAVIPD_SCRIPT: 'script failed to run',
  HAVIPD_NOTIFY: 'notification failed',
  HAVIPD_DUMP: 'dump file could not be written',
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
}

/** The errno name carried by a Node or addon error (`err.code` like 'ENODEV'), if any. */
export function errnoOf(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    const c = (err as { code: string }).code;
    return /^E[A-Z0-9]+$/.test(c) ? c : undefined;
  }
  return undefined;
}
