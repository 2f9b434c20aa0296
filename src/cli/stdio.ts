// Writing the CLI's output to fd 1 / fd 2 without process.stdout / process.stderr (issue 12 §2): creating one
// of those streams loads the streams stack, and for a pipe node:net too (6-15 ms of a `havipd -t` whose whole
// output is one report). On Linux the streams write synchronously anyway, so a direct write changes neither
// what is written nor its order.

import { writeSync } from 'node:fs';

/** A writer for `fd` that uses `fallback()` (the process stream) from the first write it cannot complete directly. */
export function fdWriter(fd: number, fallback: () => NodeJS.WritableStream, write: typeof writeSync = writeSync): (s: string) => void {
  let useStream = false;
  return (s: string): void => {
    if (useStream) {
      fallback().write(s);
      return;
    }
    const bytes = Buffer.from(s, 'utf8');
    let off = 0;
    try {
      while (off < bytes.length) off += write(fd, bytes, off, bytes.length - off);
    } catch {
      // EAGAIN (a non-blocking fd), EPIPE, EBADF, ...: from here on the stream does what it always did (it
      // retries, emits its 'error', or throws, as before), starting with the bytes not written.
      useStream = true;
      fallback().write(bytes.subarray(off));
    }
  };
}
