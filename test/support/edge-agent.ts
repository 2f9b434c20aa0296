// Child-process entry that serves the real AddressEdge / LinkEdge over JSON lines on stdin/stdout, so
// interop tests can drive them inside a network namespace (see edge-agent-client.ts).
// argv: --addr=auto|netlink|native|ip  --links=auto|netlink|ip|none
// in:  {"id":1,"op":"add"|"remove"|"list"|"links"|"get"|"backend","args":[…]}
// out: {"id":1,"ok":true,"value":…} | {"id":1,"ok":false,"error":{name,code,errno,message}} | {"event":LinkEvent} | {"ready":true,…}

import { createInterface } from 'node:readline';
import { createAddressEdge, nativeRouteRequester } from '../../src/edges/addresses.js';
import { createLinkEdge, type LinkEdge } from '../../src/edges/links.js';

const arg = (name: string, dflt: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const send = (o: unknown): void => void process.stdout.write(JSON.stringify(o) + '\n');
const errJson = (e: unknown): unknown => {
  const x = e as { name?: string; code?: string; errno?: string; message?: string };
  return { name: x.name, code: x.code, errno: x.errno, message: x.message };
};

// `native`: the netlink backend with the addon's if_nametoindex and synchronous route requests, as the daemon runs it.
const addrMode = arg('addr', 'auto');
const addrs =
  addrMode === 'native'
    ? await (async () => {
        const native = (await import('../../src/native/index.js')).loadNative();
        return createAddressEdge({ backend: 'netlink', ifIndex: (name) => native.ifIndex(name), route: nativeRouteRequester(native) });
      })()
    : createAddressEdge({ backend: addrMode as 'auto' });
let links: LinkEdge | undefined;
const linkMode = arg('links', 'auto');
if (linkMode !== 'none') {
  try {
    links = await createLinkEdge({ backend: linkMode as 'auto' });
    links.on('change', (ev) => send({ event: ev }));
    links.on('error', (e) => send({ watcherError: errJson(e) }));
  } catch (e) {
    send({ linkEdgeError: errJson(e) });
  }
}
send({ ready: true, pid: process.pid, uid: process.getuid?.(), linkBackend: links?.backend });

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const { id, op, args = [] } = JSON.parse(line) as { id: number; op: string; args?: unknown[] };
  const a = args as [never, never];
  const run = async (): Promise<unknown> => {
    switch (op) {
      case 'add':
        return addrs.add(...a);
      case 'remove':
        return addrs.remove(...a);
      case 'list':
        return addrs.list(...a);
      case 'backend':
        return { addr: addrs.backend(), links: links?.backend };
      case 'links':
        return links?.all();
      case 'get':
        return links?.get(a[0]);
      default:
        throw new Error(`unknown op ${op}`);
    }
  };
  run().then(
    (value) => send({ id, ok: true, value: value ?? null }),
    (e) => send({ id, ok: false, error: errJson(e) }),
  );
});
rl.on('close', () => {
  addrs.close();
  links?.close();
  // The netlink sockets are closed; nothing else keeps the loop alive.
});
