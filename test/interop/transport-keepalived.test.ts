// Interop with the oracle (keepalived 2.2.7) over the raw transport, both directions, in throw-away
// namespaces (hv-n1-*): our receive path reads keepalived's adverts with TTL 255 (RFC 5798 §5.1.1.3),
// destination 224.0.0.18 and its per-instance IP ID counter; keepalived accepts our IP_HDRINCL
// header and checksum (RFC 5798 §5.2.8) and yields to our higher priority (RFC 5798 §6.4.3).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interopGuard } from '../support/interop-guard.js';
import { startKeepalived, type Keepalived } from '../support/keepalived.js';
import { createLan, destroyAll, type Lan } from '../support/netns.js';
import { encodeAdvert } from '../../src/vrrp/packet.js';
import type { Centiseconds } from '../../src/net/units.js';
import { agent, receiver, ROOT } from './helpers/agent.js';

const guard = interopGuard();

describe.skipIf(guard.skip)('interop: raw transport against keepalived 2.2.7', () => {
  let lan: Lan;
  let ka: Keepalived | undefined;

  beforeAll(async () => {
    for (const f of ['build/Release/havipd_native.node', 'dist/edges/transport/raw.js']) {
      if (!existsSync(join(ROOT, f))) throw new Error(`${f} missing: run npm run build:native && npm run build first`);
    }
    lan = await createLan({ prefix: 'hv-n1' });
  });

  afterAll(async () => {
    await ka?.stop(2_000);
    await destroyAll();
  });

  it('receives keepalived adverts (TTL 255, dst 224.0.0.18, consecutive IP IDs); keepalived accepts ours and goes BACKUP', async () => {
    const vip = lan.ipA.replace(/\.1$/, '.100');
    ka = await startKeepalived(
      lan.a,
      `global_defs {\n  router_id hvtr\n}\nvrrp_instance VI_T {\n  version 3\n  state MASTER\n  interface ${lan.ifA}\n  virtual_router_id 71\n  priority 100\n  advert_int 1\n  virtual_ipaddress {\n    ${vip}/24\n  }\n}\n`,
    );
    await ka.waitForLog(/\(VI_T\) Entering MASTER STATE/, { timeoutMs: 10_000 });

    const done = await receiver(lan.b, { mode: 'native-recv', family: 4, ifname: lan.ifB, groups: ['224.0.0.18'], count: 2, timeoutMs: 6000 });
    const pkts = (await done()).filter((e) => e.event === 'packet');
    expect(pkts).toHaveLength(2);
    const ids: number[] = [];
    for (const p of pkts) {
      expect(p).toMatchObject({ src: lan.ipA, dst: '224.0.0.18', ttl: 255 });
      const data = p.data as string;
      expect(data.slice(0, 4)).toBe('45c0');
      expect(data.slice(40, 44)).toBe('3147'); // VRRPv3 advert, VRID 71
      ids.push(parseInt(data.slice(8, 12), 16));
    }
    expect(ids[1]).toBe(ids[0]! + 1);

    // Now we advertise priority 200 for the same VRID with our own header and checksum.
    const msg = Buffer.from(
      encodeAdvert(
        { version: 3, vrid: 71, priority: 200, advertInt: 100 as Centiseconds, addresses: [vip], family: 4 },
        { checksumMode: 'pseudo', src: lan.ipB, dst: '224.0.0.18' },
      ),
    ).toString('hex');
    const sent = await agent(lan.b, {
      mode: 'send',
      open: { ifname: lan.ifB, family: 4, mcastGroups: [] },
      sends: [{ message: msg, opts: { src: lan.ipB, dst: '224.0.0.18', ttl: 255, ifname: lan.ifB, family: 4 } }],
      repeat: 3,
      intervalMs: 300,
    });
    expect(sent.filter((e) => e.event === 'sent')).toHaveLength(3);
    await ka.waitForLog(new RegExp(`\\(VI_T\\) Master received advert from ${lan.ipB.replace(/\./g, '\\.')} with higher priority 200, ours 100`), { timeoutMs: 5_000 });
    await ka.waitForLog(/\(VI_T\) Entering BACKUP STATE/, { timeoutMs: 5_000 });
    expect(ka.countLog(/invalid|checksum|TTL/i)).toBe(0);
  });
});
