// The repository root: from the source tree (vitest) or, for the transpiled copy run by run.mjs, from
// HAVIPD_FUZZ_ROOT (set by run.mjs).
import { join } from 'node:path';

export const ROOT = process.env.HAVIPD_FUZZ_ROOT ?? join(import.meta.dirname, '..', '..');
