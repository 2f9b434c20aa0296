// dropTextPages (issue 12 §3): the executable's read-only file pages leave RSS and the process carries
// on (the pages fault back in from the page cache as they are used).
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadNative } from '../../../src/native/index.js';

/** Resident kB of the executable's read-only, copy-on-write-free mappings (what dropTextPages may drop). */
function exeReadOnlyKb(): number {
  const exe = process.execPath;
  let total = 0;
  let current = false;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ (\d+)\s+(.*)$/.exec(line);
    if (head) {
      current = (head[1] === 'r-xp' || head[1] === 'r--p') && head[2] !== '0' && head[3] === exe;
      continue;
    }
    if (current && line.startsWith('Rss:')) total += Number(line.split(/\s+/)[1]);
  }
  return total;
}

describe('native dropTextPages', () => {
  it('advises the executable\'s read-only mappings, their resident size falls, and code keeps running', () => {
    const native = loadNative();
    const before = exeReadOnlyKb();
    const bytes = native.dropTextPages();
    const after = exeReadOnlyKb();
    expect(bytes).toBeGreaterThan(0);
    expect(after).toBeLessThan(before);
    // Builtins, crypto and JSON still work: their pages come back from the page cache.
    expect(createHash('sha256').update('havipd').digest('hex')).toBe(createHash('sha256').update('havipd').digest('hex'));
    expect(JSON.parse(JSON.stringify({ a: [1, 2, 3] }))).toEqual({ a: [1, 2, 3] });
  });
});
