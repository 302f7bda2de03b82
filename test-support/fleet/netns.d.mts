// Types of netns.mjs for the TypeScript tests.
export const NS_PREFIX: string;
export const ORIGIN_ADDRESS: string;

export interface LinkSpec {
  rateMbit: number;
  /** Round trip added by the link (netem) or by the viewer simulator (no netem). */
  rttMs: number;
  /** Share of packets dropped each way (0..1). */
  loss: number;
  region?: string;
}

export interface Link {
  ns: string;
  rootIf: string;
  edgeIf: string;
  rootAddress: string;
  edgeAddress: string;
  rttMs: number;
  rateMbit: number;
  loss: number;
  delayInSimulator: boolean;
}

export interface NetBed {
  owner: number;
  netem: boolean;
  links: Link[];
  exec(ns: string, args: string[]): [string, string[]];
  register(pid: number): void;
  registerDir(dir: string): void;
  cutOrigin(port: number, ns?: string): void;
  restoreOrigin(port: number, ns?: string): void;
  pidsIn(ns: string): number[];
  destroy(): void;
}

export function bedUnavailable(): string | null;
export function hasNetem(): boolean;
export function sweepBed(owner: number): void;
export function sweepStaleBeds(): void;
export function createNetBed(options: { links: LinkSpec[]; deadlineMs: number }): NetBed;
export function leftovers(): { namespaces: string[]; links: string[]; origin: boolean; rules: string[] };
