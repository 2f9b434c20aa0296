// The real ConfigHost (src/config-parser/host.ts) on node:fs: file reads, stat and a bounded glob walk
// (Node 20 has no fs.glob). Glob semantics follow glob(3) with GLOB_BRACE: `*`, `?`, `[...]` (with `!`/`^`
// negation and ranges) within one path component, no match of a leading `.` by wildcards, brace
// alternatives expanded first and returned in written order, each alternative's matches sorted bytewise.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import type { ConfigHost, ReadFileResult, StatResult } from '../config-parser/host.js';
import { expandBraces } from '../config-parser/preprocess.js';
import { errnoOf } from '../errors.js';

/** Most paths one glob returns; the walk stops there. */
export const MAX_GLOB_MATCHES = 100_000;
/** Most directory entries one glob looks at. */
export const MAX_GLOB_VISITS = 1_000_000;


/** Compiles one path component of a glob pattern to a RegExp, or undefined if it has no wildcard. */
export function componentRegExp(component: string): RegExp | undefined {
  if (!/[*?[]/.test(component)) return undefined;
  let re = '^';
  for (let i = 0; i < component.length; i++) {
    const c = component[i]!;
    if (c === '\\' && i + 1 < component.length) {
      re += escapeRe(component[++i]!);
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      let j = i + 1;
      let neg = false;
      if (component[j] === '!' || component[j] === '^') {
        neg = true;
        j++;
      }
      let body = '';
      if (component[j] === ']') {
        body += '\\]';
        j++;
      }
      while (j < component.length && component[j] !== ']') {
        const ch = component[j]!;
        body += ch === '\\' || ch === '^' || ch === '[' ? `\\${ch}` : ch;
        j++;
      }
      if (j >= component.length) re += '\\[';
      else {
        re += `[${neg ? '^' : ''}${body}]`;
        i = j;
      }
    } else re += escapeRe(c);
  }
  try {
    return new RegExp(`${re}$`, 's');
  } catch {
    return /^\b\B$/; // never matches
  }
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function unescapeGlob(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

function byteCompare(a: string, b: string): number {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return Buffer.compare(ba, bb);
}

/** glob(3) of one brace-free absolute pattern; bounded by the limits above. */
export function globOne(pattern: string, budget: { visits: number }): string[] {
  const parts = pattern.split('/').filter((p, i) => p !== '' || i === 0);
  let current: string[] = [parts[0] === '' ? '/' : '.'];
  for (let k = 1; k < parts.length; k++) {
    const comp = parts[k]!;
    const re = componentRegExp(comp);
    const next: string[] = [];
    for (const dir of current) {
      const base = dir === '/' ? '' : dir;
      if (!re) {
        next.push(`${base}/${unescapeGlob(comp)}`);
        continue;
      }
      let names: string[];
      try {
        names = readdirSync(dir === '' ? '/' : dir);
      } catch {
        continue;
      }
      const hits: string[] = [];
      for (const n of names) {
        if (--budget.visits < 0) break;
        if (n.startsWith('.') && !comp.startsWith('.')) continue;
        if (re.test(n)) hits.push(`${base}/${n}`);
      }
      hits.sort(byteCompare);
      for (const h of hits) {
        next.push(h);
        if (next.length >= MAX_GLOB_MATCHES) break;
      }
    }
    current = next;
    if (current.length === 0) return [];
  }
  // Literal components were not checked on the way: keep only paths that exist.
  return current.filter((p) => {
    try {
      statSync(p, { throwIfNoEntry: true });
      return true;
    } catch {
      try {
        // dangling symlinks still match (glob uses lstat)
        return readdirSync(p.slice(0, p.lastIndexOf('/')) || '/').includes(p.slice(p.lastIndexOf('/') + 1));
      } catch {
        return false;
      }
    }
  });
}

/** The ConfigHost of the real system. */
export function createConfigHost(env: NodeJS.ProcessEnv = process.env, cwd: () => string = () => process.cwd()): ConfigHost {
  return {
    readFile(path: string): ReadFileResult {
      try {
        return { ok: true, data: readFileSync(path) };
      } catch (e) {
        return { ok: false, errno: errnoOf(e) ?? 'EIO' };
      }
    },
    stat(path: string): StatResult {
      try {
        const st = statSync(path);
        return { ok: true, kind: st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other', executable: (st.mode & 0o111) !== 0 };
      } catch (e) {
        return { ok: false, errno: errnoOf(e) ?? 'EIO' };
      }
    },
    groupOtherAccess(path: string): boolean | undefined {
      try {
        return (statSync(path).mode & 0o077) !== 0;
      } catch {
        return undefined;
      }
    },
    glob(pattern: string): readonly string[] {
      const budget = { visits: MAX_GLOB_VISITS };
      const out: string[] = [];
      for (const alt of expandBraces(pattern)) {
        for (const m of globOne(alt, budget)) {
          out.push(m);
          if (out.length >= MAX_GLOB_MATCHES) return out;
        }
      }
      return out;
    },
    env(name: string): string | undefined {
      return env[name];
    },
    cwd,
  };
}
