// Types of client-lan.mjs (plain ESM, shared by bench/clients.mjs and test/interop/client-outage.test.ts).

export type Side = 'a' | 'b';
export type Role = 's' | 'a' | 'b' | 'c';

/** A spawned process as both harnesses (bench/lib/netns.mjs, test/support/netns.ts) return it. */
export interface LanProcess {
  readonly pid: number;
  output(): string;
  hasExited(): boolean;
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | string>;
}
/** A namespace as both harnesses return it. */
export interface LanNs {
  readonly name: string;
  ip(args: readonly string[], opts?: { check?: boolean; timeoutMs?: number }): Promise<{ code: number; stdout: string; stderr: string }>;
  exec(argv: readonly string[], opts?: { check?: boolean; timeoutMs?: number }): Promise<{ code: number; stdout: string; stderr: string }>;
  spawn(argv: readonly string[]): LanProcess;
}
export interface ClientLan<N extends LanNs = LanNs> {
  readonly sw: N;
  readonly a: N;
  readonly b: N;
  readonly c: N;
  readonly ip: Readonly<Record<'a' | 'b' | 'c', string>>;
  readonly vip: string;
  readonly ifname: string;
  readonly port: number;
  readonly macs: Readonly<Record<'a' | 'b' | 'c', string>>;
  readonly services: LanProcess[];
}

export type ScenarioId = 'sigkill' | 'crash' | 'sigterm' | 'switchover' | 'switchover-backup' | 'linkflap' | 'splitbrain';
export interface Scenario {
  readonly id: ScenarioId;
  readonly final: Side;
  readonly label: string;
  readonly kinds?: readonly string[];
}

/** A started daemon as runScenario drives it. */
export interface LanNode {
  waitLog(re: RegExp, timeoutMs: number): Promise<unknown>;
  countLog(re: RegExp): number;
  kill(): void;
  signal(sig: NodeJS.Signals): void;
  stop(): Promise<unknown>;
  log(): string;
  switchover?(): Promise<{ code: number; output: string }>;
}

export interface ProbeResult {
  readonly outageMs: number;
  readonly from: number;
  readonly to: number;
  readonly ongoing: boolean;
  readonly repliesAfter: number;
  readonly baselineGapMs: number;
  readonly answered: string;
  readonly firstFinalMs: number | undefined;
  readonly replies: number;
}
export interface RunResult {
  readonly kind: string;
  readonly scenario: ScenarioId;
  readonly eventT: number;
  readonly endT: number;
  readonly icmp: ProbeResult;
  readonly tcp: ProbeResult & { readonly worstWaitMs: number; readonly failed: number };
  readonly neigh: { readonly toFinalMs: number | undefined; readonly seen: string };
  readonly notes: string[];
  readonly partition?: { readonly bMasterMs: number; readonly icmpGapMs: number; readonly neighToB: number | undefined; readonly aHeardLower: boolean; readonly healOffsetMs: number };
  readonly switchover?: string;
}
export interface RunOptions {
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
  readonly baselineMs?: number;
  readonly settleMs?: number;
  readonly flapMs?: number;
  readonly partitionMs?: number;
  readonly maxObserveMs?: number;
  readonly log?: (msg: string) => void;
  /** Uniform in [0, 1): the split brain's heal offset within one advert interval (default Math.random). */
  readonly random?: () => number;
}

export const PROBE_SCRIPT: string;
export const NODE_TTL: Readonly<Record<Side, number>>;
export const MACS: Readonly<Record<'a' | 'b' | 'c', string>>;
export const SCENARIOS: readonly Scenario[];
export function controlRequest(socketPath: string, request: Record<string, unknown>, timeoutMs?: number): Promise<{ code: number; output: string }>;
export function clientLanConfig(lan: ClientLan, side: Side, opts?: { advertInt?: number }): string;
export function createClientLan<N extends LanNs>(newNs: (role: Role) => Promise<N>, opts?: { net?: string }): Promise<ClientLan<N>>;
export function startServices(lan: ClientLan, opts?: { maxMs?: number }): Promise<void>;
export function stopServices(lan: ClientLan): Promise<void>;
export function runScenario(lan: ClientLan, kind: string, scenario: Scenario, startNode: (side: Side, config: string) => Promise<LanNode>, opts?: RunOptions): Promise<RunResult>;
