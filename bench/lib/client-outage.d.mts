// Types of client-outage.mjs (plain ESM, so the benchmarks need no TypeScript at run time; the unit tests
// in test/unit/bench import it through these declarations).

export interface PingReply {
  readonly t: number;
  readonly seq: number;
  readonly ttl: number;
  readonly node: string;
}
export type ProbeLine = { readonly s: number; readonly t: number; readonly node: string; readonly err?: undefined } | { readonly s: number; readonly t: number; readonly err: string; readonly node?: undefined };
export interface NeighEvent {
  readonly t: number;
  readonly mac?: string | undefined;
  readonly state?: string;
  readonly deleted?: boolean;
}
export interface Outage {
  readonly outageMs: number;
  readonly from: number;
  readonly to: number;
  readonly ongoing: boolean;
  readonly repliesAfter: number;
}
export interface AnswerRun {
  node: string;
  from: number;
  to: number;
  n: number;
}

export function parsePingLine(line: string, ttlToNode: Readonly<Record<number, string>>): PingReply | undefined;
export function parseProbeLine(line: string): ProbeLine | undefined;
export function parseNeighLine(line: string, vip: string): (NeighEvent & { readonly state: string; readonly deleted: boolean }) | undefined;
export function outageAround(times: readonly number[], eventT: number, endT: number): Outage;
export function longestGapWithin(times: readonly number[], fromT: number, toT: number): number;
export function answerRuns(replies: readonly { readonly t: number; readonly node: string }[]): AnswerRun[];
export function describeRuns(replies: readonly { readonly t: number; readonly node: string }[], eventT: number, fromT: number): string;
export function neighPointsAt(events: readonly NeighEvent[], eventT: number, mac: string): number | undefined;
export function neighSettledAt(events: readonly NeighEvent[], eventT: number, mac: string): number | undefined;
export function describeNeigh(events: readonly NeighEvent[], eventT: number, fromT: number, names: Readonly<Record<string, string>>): string;
export function signedMs(ms: number): string;
