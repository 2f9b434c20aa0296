// examples/cloud (issue 11 §3): the Tencent Cloud and Alibaba Cloud verify scripts and the AWS move script,
// run against stand-in CLIs on PATH (test/fixtures/cloud-cli/standin, answering with the vendors' documented
// JSON shapes and recording their arguments) and a metadata service stub on 127.0.0.1.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSettings } from '../../src/config-parser/settings.js';

const ROOT = resolve(import.meta.dirname, '../..');
const FIX = join(ROOT, 'test/fixtures/cloud-cli');
const MAC = '52:54:00:12:34:56';

/** Metadata paths → answers; IMDSv2 (AWS) wants its token on every GET under /latest/meta-data/. */
const META: Record<string, string> = {
  // Tencent Cloud
  '/tencent/instance-id': 'ins-d1xv6pgt',
  '/tencent/placement/region': 'ap-guangzhou',
  [`/tencent/network/interfaces/macs/${MAC}/eni-id`]: 'eni-8zhbnhyi',
  // Alibaba Cloud
  '/aliyun/instance-id': 'i-bp1aa0zqxq9g0zfl****',
  '/aliyun/region-id': 'cn-hangzhou',
  // AWS
  [`/aws/latest/meta-data/network/interfaces/macs/${MAC}/interface-id`]: 'eni-0a1b2c3d4e5f60718',
  '/aws/latest/meta-data/placement/region': 'eu-west-1',
};
const TOKEN = 'AQAEAFakeToken==';
let server: Server;
let base: string;
const metaRequests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = req.url ?? '';
    metaRequests.push(`${req.method} ${url}`);
    if (req.method === 'PUT' && url === '/aws/latest/api/token') {
      if (req.headers['x-aws-ec2-metadata-token-ttl-seconds'] === undefined) return void res.writeHead(400).end();
      return void res.writeHead(200).end(TOKEN);
    }
    if (url.startsWith('/aws/') && req.headers['x-aws-ec2-metadata-token'] !== TOKEN) return void res.writeHead(401).end();
    const body = META[url];
    if (req.method !== 'GET' || body === undefined) return void res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** The stand-in calls: [name, ...args] each. */
  calls: string[][];
}

/** Runs an example script with stand-ins for `tccli`, `aliyun` and `aws` first on PATH. */
async function runExample(script: string, o: { vendor: string; responses?: Record<string, unknown>; cliExit?: number; env?: Record<string, string> }): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'havipd-cloud-'));
  try {
    for (const n of ['tccli', 'aliyun', 'aws']) {
      symlinkSync(join(FIX, 'standin'), join(dir, n));
      const body = o.responses?.[n] ?? JSON.parse(readFileSync(join(FIX, `${n}.json`), 'utf8'));
      writeFileSync(join(dir, `${n}.json`), JSON.stringify(body));
    }
    const log = join(dir, 'calls.log');
    writeFileSync(log, '');
    const env = {
      PATH: `${dir}:/usr/bin:/bin`,
      STANDIN_LOG: log,
      STANDIN_DIR: dir,
      STANDIN_EXIT: String(o.cliExit ?? 0),
      HAVIPD_METADATA_URL: `${base}/${o.vendor}`,
      HAVIPD_INSTANCE: 'VI_1',
      HAVIPD_VIP: '10.0.0.100',
      HAVIPD_INTERFACE: 'eth0',
      HAVIPD_MAC: MAC,
      ...o.env,
    };
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((res) => {
      execFile(join(ROOT, 'examples/cloud', script), [], { env, timeout: 20_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
        res({ code, stdout, stderr });
      });
    });
    const calls = readFileSync(log, 'utf8').split('\n\n').filter((c) => c.trim() !== '').map((c) => c.split('\n').filter((l) => l !== ''));
    return { ...r, calls };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const tencent = (): { TotalCount: number; HaVipSet: Array<Record<string, unknown>> } => JSON.parse(readFileSync(join(FIX, 'tccli.json'), 'utf8'));
const aliyun = (): { HaVips: { HaVip: Array<Record<string, unknown>> } } => JSON.parse(readFileSync(join(FIX, 'aliyun.json'), 'utf8'));

describe('Tencent Cloud verify (tccli vpc DescribeHaVips)', () => {
  it('exit 0 when the HAVIP is on this instance and ENI, AVAILABLE; the call names the region and the VIP', async () => {
    const r = await runExample('tencent-verify.sh', { vendor: 'tencent' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([['tccli', 'vpc', 'DescribeHaVips', '--region', 'ap-guangzhou', '--cli-unfold-argument', '--Filters.0.Name', 'address-ip', '--Filters.0.Values', '10.0.0.100']]);
  });

  it('also reads the answer wrapped in "Response" (the raw API shape)', async () => {
    const r = await runExample('tencent-verify.sh', { vendor: 'tencent', responses: { tccli: { Response: tencent() } } });
    expect(r.code).toBe(0);
  });

  it('exit 1 when the HAVIP is still on the other instance, not AVAILABLE, on another ENI, or not listed', async () => {
    const other = tencent();
    other.HaVipSet[0]!.InstanceId = 'ins-0bk9u2pc';
    other.HaVipSet[0]!.NetworkInterfaceId = 'eni-00000000';
    expect((await runExample('tencent-verify.sh', { vendor: 'tencent', responses: { tccli: other } })).code).toBe(1);
    const unbinding = tencent();
    unbinding.HaVipSet[0]!.State = 'UNBINDING';
    const r = await runExample('tencent-verify.sh', { vendor: 'tencent', responses: { tccli: unbinding } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('"State":"UNBINDING"');
    const eni = tencent();
    eni.HaVipSet[0]!.NetworkInterfaceId = 'eni-00000000';
    expect((await runExample('tencent-verify.sh', { vendor: 'tencent', responses: { tccli: eni } })).code).toBe(1);
    expect((await runExample('tencent-verify.sh', { vendor: 'tencent', responses: { tccli: { TotalCount: 0, HaVipSet: [] } } })).code).toBe(1);
  });

  it('exit 1 when the CLI fails or the metadata service has no answer', async () => {
    expect((await runExample('tencent-verify.sh', { vendor: 'tencent', cliExit: 1 })).code).toBe(1);
    const r = await runExample('tencent-verify.sh', { vendor: 'nowhere' });
    expect(r.code).toBe(1);
    expect(r.calls).toEqual([]);
  });
});

describe('Alibaba Cloud verify (aliyun vpc DescribeHaVips)', () => {
  it('exit 0 when MasterInstanceId is this instance, InUse and associated', async () => {
    const r = await runExample('alibaba-verify.sh', { vendor: 'aliyun' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([['aliyun', 'vpc', 'DescribeHaVips', '--RegionId', 'cn-hangzhou', '--Filter.1.Key', 'HaVipAddress', '--Filter.1.Value.1', '10.0.0.100']]);
  });

  it('exit 1 when the master is the other instance, the status is not InUse, or this VM is not associated', async () => {
    const other = aliyun();
    other.HaVips.HaVip[0]!.MasterInstanceId = 'i-bp1bb7rcw2x9a2fm****';
    const r = await runExample('alibaba-verify.sh', { vendor: 'aliyun', responses: { aliyun: other } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('i-bp1bb7rcw2x9a2fm****');
    const avail = aliyun();
    avail.HaVips.HaVip[0]!.Status = 'Available';
    expect((await runExample('alibaba-verify.sh', { vendor: 'aliyun', responses: { aliyun: avail } })).code).toBe(1);
    const notAssoc = aliyun();
    notAssoc.HaVips.HaVip[0]!.AssociatedInstances = { associatedInstance: ['i-bp1bb7rcw2x9a2fm****'] };
    expect((await runExample('alibaba-verify.sh', { vendor: 'aliyun', responses: { aliyun: notAssoc } })).code).toBe(1);
    expect((await runExample('alibaba-verify.sh', { vendor: 'aliyun', cliExit: 3 })).code).toBe(1);
  });
});

describe('AWS move (aws ec2 assign-private-ip-addresses --allow-reassignment)', () => {
  it('moves the VIP to the ENI of $HAVIPD_MAC, read through IMDSv2 with a token', async () => {
    metaRequests.length = 0;
    const r = await runExample('aws-move.sh', { vendor: 'aws' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([['aws', 'ec2', 'assign-private-ip-addresses', '--region', 'eu-west-1', '--network-interface-id', 'eni-0a1b2c3d4e5f60718', '--private-ip-addresses', '10.0.0.100', '--allow-reassignment']]);
    expect(metaRequests[0]).toBe('PUT /aws/latest/api/token');
  });

  it('exit 1 (and no API call) when the MAC has no ENI; exit 1 when the API call fails', async () => {
    const r = await runExample('aws-move.sh', { vendor: 'aws', env: { HAVIPD_MAC: '52:54:00:00:00:00' } });
    expect(r.code).toBe(1);
    expect(r.calls).toEqual([]);
    expect((await runExample('aws-move.sh', { vendor: 'aws', cliExit: 255 })).code).toBe(1);
  });
});

describe('examples/cloud/havipd.toml', () => {
  it('is a valid settings file', () => {
    const r = parseSettings(readFileSync(join(ROOT, 'examples/cloud/havipd.toml'), 'utf8'), 'havipd.toml');
    expect(r.diagnostics).toEqual([]);
    expect(r.settings!.instances.VI_1!.verify).toMatchObject({ verify: ['/etc/havipd/cloud/tencent-verify.sh'], deadlineMs: 20_000, intervalMs: 2000 });
  });
});
