// The addon's signal watch: Node cannot name SIGRTMIN+2 (keepalived's JSON dump signal), the addon can.
import { describe, expect, it } from 'vitest';
import { loadNative } from '../../../src/native/index.js';

describe('native watchSignal', () => {
  it('reports SIGRTMIN as glibc defines it (34) and delivers SIGRTMIN+2 to the callback', async () => {
    const native = loadNative();
    expect(native.sigrtmin()).toBe(34);
    const got: number[] = [];
    native.watchSignal(native.sigrtmin() + 2, (signum) => got.push(signum));
    process.kill(process.pid, native.sigrtmin() + 2);
    const deadline = Date.now() + 2000;
    while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(got).toEqual([36]);
  });
  it('refuses a signal number out of range with an errno-coded error', () => {
    const native = loadNative();
    expect(() => native.watchSignal(0, () => undefined)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});
