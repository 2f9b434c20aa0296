// Scenario transcripts (issue 9 §6; etcd-io/raft's datadriven interaction tests): every
// test/sim/testdata/*.txt is a keepalived.conf and a list of inputs with the effects and log lines
// expected under each step. HAVIPD_REWRITE=1 regenerates the expected output, to be reviewed as a diff.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDataFile, rewriting, writeDataFile } from '../support/datadriven.js';
import { TranscriptRunner } from '../support/transcript.js';

const dir = join(import.meta.dirname, 'testdata');
const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();

describe('scenario transcripts', () => {
  it('has the scenarios', () => {
    expect(files.length).toBeGreaterThanOrEqual(25);
  });

  for (const f of files) {
    it(f.replace(/\.txt$/, ''), () => {
      const file = readDataFile(join(dir, f));
      const runner = new TranscriptRunner();
      const actual: string[] = [];
      for (const c of file.cases) {
        let got: string;
        try {
          got = runner.run(c);
        } catch (e) {
          throw new Error(`${f}:${c.lineNo}: ${c.line}: ${(e as Error).message}`);
        }
        actual.push(got);
        if (!rewriting()) expect(got, `${f}:${c.lineNo}: ${c.line}`).toBe(c.expected);
      }
      if (rewriting()) writeDataFile(file, actual);
    });
  }
});
