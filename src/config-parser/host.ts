// The file-system edge of the config parser (ARCHITECTURE.md §1, §5): the pure preprocessor reads files,
// globs and the environment only through this interface. Real implementation: src/edges/config-host.ts;
// in-memory fake: test/support/fake-config-host.ts.

export type ReadFileResult = { ok: true; data: Uint8Array } | { ok: false; errno: string };
export type StatResult = { ok: true; kind: 'file' | 'dir' | 'other'; executable: boolean } | { ok: false; errno: string };

export interface ConfigHost {
  /** Whole file contents. `errno` is the symbolic code (`ENOENT`, `EACCES`, `EMFILE`, …). */
  readFile(path: string): ReadFileResult;
  /** Regular file? executable (any x bit)? directory? Follows symlinks (stat(2)). */
  stat(path: string): StatResult;
  /**
   * Absolute glob pattern (csh-style `{a,b}` braces, `*`, `?`, `[..]`) → matching paths in glob(3) order
   * (brace alternatives in written order, each alternative's matches sorted bytewise); `[]` when none.
   * Directories are returned without a trailing slash. Must cope with thousands of matches.
   */
  glob(pattern: string): readonly string[];
  /**
   * Whether any group or other permission bit of the file is set (mode & 0o077), for secrets such as
   * `auth_hmac` key files; undefined when it cannot be told. Optional: hosts without it never warn.
   */
  groupOtherAccess?(path: string): boolean | undefined;
  /** An environment variable. */
  env(name: string): string | undefined;
  /**
   * The absolute working directory keepalived would be in when it starts reading (used to resolve a
   * relative main file and for `${_PWD}` while reading a file named without a directory).
   * Addition to the original interface sketch.
   */
  cwd(): string;
}
