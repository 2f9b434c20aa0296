// In-memory ConfigHost for config-parser tests: files as strings or bytes, directories implied by paths,
// executable bits and unreadable files on request, a simple glob over the stored paths.
import type { ConfigHost, ReadFileResult, StatResult } from '../../src/config-parser/host.js';
import { expandBraces } from '../../src/config-parser/preprocess.js';
import { componentRegExp } from '../../src/edges/config-host.js';

export interface FakeFile {
  readonly data: string | Uint8Array;
  readonly executable?: boolean;
  /** stat reports group/other permission bits (e.g. mode 0644). */
  readonly groupOtherAccess?: boolean;
  /** readFile fails with this errno (e.g. EACCES). */
  readonly errno?: string;
}

export class FakeConfigHost implements ConfigHost {
  readonly files = new Map<string, FakeFile>();
  readonly dirs = new Set<string>(['/']);
  readonly reads: string[] = [];
  globCalls = 0;

  constructor(
    files: Record<string, string | Uint8Array | FakeFile> = {},
    readonly envVars: Record<string, string> = {},
    readonly cwdPath = '/etc/keepalived',
  ) {
    this.dirs.add(cwdPath);
    for (const [p, f] of Object.entries(files)) this.add(p, f);
  }

  add(path: string, f: string | Uint8Array | FakeFile): this {
    const file: FakeFile = typeof f === 'string' || f instanceof Uint8Array ? { data: f } : f;
    this.files.set(path, file);
    for (let d = path.slice(0, path.lastIndexOf('/')); d; d = d.slice(0, d.lastIndexOf('/'))) this.dirs.add(d);
    return this;
  }

  mkdir(path: string): this {
    this.dirs.add(path);
    return this;
  }

  readFile(path: string): ReadFileResult {
    this.reads.push(path);
    const f = this.files.get(path);
    if (!f) return { ok: false, errno: this.dirs.has(path) ? 'EISDIR' : 'ENOENT' };
    if (f.errno) return { ok: false, errno: f.errno };
    return { ok: true, data: typeof f.data === 'string' ? new TextEncoder().encode(f.data) : f.data };
  }

  stat(path: string): StatResult {
    const p = path.length > 1 ? path.replace(/\/+$/, '') : path;
    const f = this.files.get(p);
    if (f) return { ok: true, kind: 'file', executable: f.executable === true };
    if (this.dirs.has(p)) return { ok: true, kind: 'dir', executable: true };
    return { ok: false, errno: 'ENOENT' };
  }

  groupOtherAccess(path: string): boolean | undefined {
    const f = this.files.get(path);
    return f ? f.groupOtherAccess === true : undefined;
  }

  glob(pattern: string): readonly string[] {
    this.globCalls++;
    const out: string[] = [];
    const all = [...this.files.keys(), ...this.dirs];
    for (const alt of expandBraces(pattern)) {
      const comps = alt.split('/');
      const hits = all.filter((p) => {
        const pc = p.split('/');
        if (pc.length !== comps.length) return false;
        return comps.every((c, i) => {
          const re = componentRegExp(c);
          if (!re) return c.replace(/\\(.)/g, '$1') === pc[i];
          return !(pc[i]!.startsWith('.') && !c.startsWith('.')) && re.test(pc[i]!);
        });
      });
      hits.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      out.push(...new Set(hits));
    }
    return out;
  }

  env(name: string): string | undefined {
    return this.envVars[name];
  }

  cwd(): string {
    return this.cwdPath;
  }
}
