// Replays one regression case (a JSON file of test/fuzz/regressions) in a child process, for cases that
// may not return (kind 'stall'): the parent kills it after a timeout. Exit 0: replayed without failure;
// exit 1: failed (message on stdout).
import { readFileSync } from 'node:fs';
import { targetByName } from './targets.js';

const c = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as { target: string; input: never };
const inst = targetByName(c.target).setup();
try {
  inst.replay(inst.fromJson(c.input));
  process.stdout.write('replayed\n');
} catch (e) {
  process.stdout.write(`${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}\n`);
  process.exitCode = 1;
}
