// A recording SMTP server for interop tests: `node smtp-recorder.mjs HOST PORT OUTFILE`. Answers every
// command as a permissive relay would (220 greeting, 250, 354 for DATA, 221 for QUIT) and appends one JSON
// line per finished session to OUTFILE: { lines: [client lines, CRLF stripped], data: 'the DATA text' }.
// Prints "listening" on stdout once bound.

import { createServer } from 'node:net';
import { appendFileSync } from 'node:fs';

const [host = '127.0.0.1', port = '2525', out = '/dev/stdout'] = process.argv.slice(2);

const server = createServer((sock) => {
  const session = { lines: [], data: undefined };
  let buf = '';
  let inData = false;
  let dataLines = [];
  let saved = false;
  const save = () => {
    if (saved) return;
    saved = true;
    appendFileSync(out, JSON.stringify(session) + '\n');
  };
  sock.setEncoding('latin1');
  sock.write('220 recorder ESMTP ready\r\n');
  sock.on('data', (chunk) => {
    buf += chunk;
    let i;
    while ((i = buf.indexOf('\r\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (inData) {
        if (line === '.') {
          inData = false;
          session.data = dataLines.join('\r\n');
          session.lines.push('.');
          sock.write('250 2.0.0 queued\r\n');
        } else dataLines.push(line);
        continue;
      }
      session.lines.push(line);
      const verb = line.split(/[ :]/)[0].toUpperCase();
      if (verb === 'DATA') {
        inData = true;
        dataLines = [];
        sock.write('354 go ahead\r\n');
      } else if (verb === 'QUIT') {
        sock.end('221 bye\r\n');
        save();
      } else if (verb === 'EHLO') sock.write('250-recorder\r\n250 8BITMIME\r\n');
      else sock.write('250 ok\r\n');
    }
  });
  sock.on('close', save);
  sock.on('error', () => undefined);
});
server.listen(Number(port), host, () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
