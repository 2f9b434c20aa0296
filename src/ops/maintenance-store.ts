// Where `havipd maintenance on|off` is kept so it survives a restart or a reboot (issue 10 §2): a small JSON
// file under the state directory (default /var/lib/havipd, `--state-dir`), replaced atomically.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_STATE_DIR = '/var/lib/havipd';
const FILE = 'maintenance.json';

export interface MaintenanceFile {
  readonly schema: 1;
  /** Instance names under maintenance. */
  readonly instances: readonly string[];
}

export class MaintenanceStore {
  constructor(readonly dir: string) {}

  get path(): string {
    return join(this.dir, FILE);
  }

  /** The names under maintenance; a missing file is none; an unreadable one is reported by `error`. */
  load(): { names: Set<string>; error?: string } {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return code === 'ENOENT' ? { names: new Set() } : { names: new Set(), error: `${this.path}: ${code ?? String(err)}` };
    }
    try {
      const v = JSON.parse(text) as Partial<MaintenanceFile>;
      if (!Array.isArray(v.instances) || !v.instances.every((x) => typeof x === 'string')) return { names: new Set(), error: `${this.path}: not a maintenance file` };
      return { names: new Set(v.instances) };
    } catch {
      return { names: new Set(), error: `${this.path}: not valid JSON` };
    }
  }

  /** Persist `names` (throws with the errno code when it cannot: the command is then refused). */
  save(names: ReadonlySet<string>): void {
    try {
      mkdirSync(this.dir, { mode: 0o755 }); // one level (/var/lib/havipd)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const tmp = `${this.path}.tmp`;
    const data: MaintenanceFile = { schema: 1, instances: [...names].sort() };
    writeFileSync(tmp, `${JSON.stringify(data)}\n`, { mode: 0o644 });
    renameSync(tmp, this.path);
  }
}
