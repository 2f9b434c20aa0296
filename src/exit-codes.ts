// Every exit status havipd uses, in one place: the daemon's (keepalived 2.2.7 `KEEPALIVED_EXIT_*`,
// reference §4.1) and `havipd -t`'s (keepalived `config_test_exit()`, reference §4.2).

/** Normal exit (SIGTERM / SIGINT, `--help`, `--version`). */
export const EXIT_OK = 0;
/** Anything else fatal at start-up (an edge that cannot be built, a bad flag). */
export const EXIT_FATAL = 1;
/** The configuration refuses to start (keepalived KEEPALIVED_EXIT_CONFIG). */
export const EXIT_CONFIG = 2;
/** Missing privileges: CAP_NET_RAW / CAP_NET_ADMIN (keepalived KEEPALIVED_EXIT_NO_PERMISSION). */
export const EXIT_NO_PERMISSION = 4;
/** The configuration file is missing or not a regular file (keepalived KEEPALIVED_EXIT_MISSING_FILE). */
export const EXIT_CONFIG_FILE = 6;
/** A bug inside havipd (keepalived KEEPALIVED_EXIT_PROGRAM_ERROR). */
export const EXIT_PROGRAM_ERROR = 70;

/** The `-t` exit codes of keepalived 2.2.7 (`config_test_exit()`; verified against the binary). */
export const CONFIG_TEST_EXIT = {
  /** Nothing was reported, not even a warning. */
  OK: 0,
  /** A keyword lacked its argument: keepalived stops parsing at once. */
  MISSING_PARAMETER: 2,
  /** Worst class FILE_NOT_FOUND, BAD_IF or FATAL. */
  FATAL: 4,
  /** Any other error, warning or deprecation. */
  CONFIG: 5,
  /** Script security violation or an include-check failure. */
  SECURITY: 6,
} as const;
export type ConfigTestExit = (typeof CONFIG_TEST_EXIT)[keyof typeof CONFIG_TEST_EXIT];

/**
 * `havipd doctor`'s exit codes (src/cli/doctor.ts): 0 when nothing found would break failover (warnings
 * may have been printed), 1 when at least one check failed, 2 for a usage error, 70 for a havipd bug.
 */
export const DOCTOR_EXIT = {
  OK: 0,
  FAIL: 1,
  USAGE: 2,
  PROGRAM_ERROR: EXIT_PROGRAM_ERROR,
} as const;
