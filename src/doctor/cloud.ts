// `havipd doctor`: which cloud this VM runs on, from the DMI strings the kernel exports under
// /sys/class/dmi/id (the shell reads them), and what that cloud allows: no multicast between VMs, and on
// Tencent Cloud at most 5 HAVIPs per NIC (its GARP limit; issue 11). Pure.

/** The DMI files doctor reads (under /sys/class/dmi/id, or the root given for tests). */
export const DMI_FIELDS = ['sys_vendor', 'product_name', 'product_version', 'bios_vendor', 'bios_version', 'chassis_vendor', 'chassis_asset_tag', 'board_vendor'] as const;
export type DmiField = (typeof DMI_FIELDS)[number];
export type Dmi = Partial<Record<DmiField, string>>;

export type CloudId = 'tencent' | 'alibaba' | 'aws' | 'gcp' | 'azure' | 'oracle';

export interface Cloud {
  readonly id: CloudId;
  /** How people name it. */
  readonly name: string;
  /** The DMI field and value that told. */
  readonly evidence: string;
  /** HAVIPs (VIPs announced by GARP) a NIC may carry, when the cloud documents a limit. */
  readonly vipsPerNic: number | undefined;
}

/** Azure's fixed chassis asset tag (Hyper-V guests elsewhere do not carry it). */
const AZURE_ASSET_TAG = '7783-7084-3265-9085-8269-3286-77';

interface Rule {
  readonly id: CloudId;
  readonly name: string;
  readonly fields: readonly DmiField[];
  readonly test: (value: string) => boolean;
  readonly vipsPerNic?: number;
}

const has = (word: string) => (v: string) => v.toLowerCase().includes(word);

/**
 * The vendor strings: Tencent CVM "Tencent Cloud"; Alibaba ECS "Alibaba Cloud" / "Alibaba Cloud ECS";
 * EC2 "Amazon EC2" (Nitro) or a Xen `product_version` / `bios_version` ending in ".amazon"; Google
 * "Google" / "Google Compute Engine"; Azure its chassis asset tag; Oracle "OracleCloud.com".
 */
const RULES: readonly Rule[] = [
  // Tencent's best-practice document for HAVIP: a NIC announces at most 5 HAVIPs by GARP.
  { id: 'tencent', name: 'Tencent Cloud', fields: ['sys_vendor', 'product_name', 'bios_vendor', 'chassis_vendor', 'board_vendor'], test: has('tencent'), vipsPerNic: 5 },
  { id: 'alibaba', name: 'Alibaba Cloud', fields: ['sys_vendor', 'product_name', 'bios_vendor', 'chassis_vendor', 'board_vendor'], test: (v) => has('alibaba')(v) || has('aliyun')(v) },
  { id: 'aws', name: 'AWS EC2', fields: ['sys_vendor', 'bios_vendor', 'product_version', 'bios_version', 'chassis_asset_tag', 'board_vendor'], test: has('amazon') },
  { id: 'gcp', name: 'Google Cloud', fields: ['sys_vendor', 'product_name', 'bios_vendor'], test: has('google') },
  { id: 'azure', name: 'Microsoft Azure', fields: ['chassis_asset_tag'], test: (v) => v.trim() === AZURE_ASSET_TAG },
  { id: 'oracle', name: 'Oracle Cloud', fields: ['chassis_asset_tag'], test: has('oraclecloud') },
];

/** The cloud the DMI strings name, or `undefined` (bare metal, a private virtualisation, no DMI). */
export function detectCloud(dmi: Dmi): Cloud | undefined {
  for (const r of RULES) {
    for (const f of r.fields) {
      const v = dmi[f];
      if (v !== undefined && v.trim() !== '' && r.test(v)) {
        return { id: r.id, name: r.name, evidence: `${f}=${JSON.stringify(v.trim())}`, vipsPerNic: r.vipsPerNic };
      }
    }
  }
  return undefined;
}
