// Types of bed.mjs for the TypeScript tests.
import type { ChildProcess } from 'node:child_process';
import type { Link, LinkSpec, NetBed } from './netns.mjs';

export const STREAMS_BIN: string;
export const EDGE_PORT: number;
export function cpuSeconds(pid: number): number;
export function publisherArgs(url: string, options?: { fps?: number; kbps?: number; size?: string }): string[];
export function processTree(pid: number): number[];

export interface FleetEdge {
  index: number;
  id: string;
  url: string;
  region: string;
  link: Link;
  proc: ChildProcess;
  pid: number;
  /** The edge's --dir (its nginx logs: access.json.log, fetch.json.log). */
  dir: string;
  pids(): number[];
  cpu(): number;
  kill(): void;
  metrics(): Promise<{ requests: number; hits: number; originFetches: number }>;
}

export interface StreamSpec {
  name?: string;
  latency?: 'low' | 'standard';
  ladder?: 'passthrough' | 'standard' | 'high';
  fps?: number;
  kbps?: number;
  size?: string;
}

export interface FleetStream {
  name: string;
  latency: string;
  ladder: string;
  publisher: ChildProcess;
  publisherErrors(): string;
  playbackUrl: string;
}

export interface Fleet {
  net: NetBed;
  host: { proc: ChildProcess; pid: number; url: string; port: number; token: string; home: string; cpu(): number; api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any; text: string }> };
  stream: FleetStream;
  streams: FleetStream[];
  publishersCpu(): number;
  playbackUrl: string;
  edges: FleetEdge[];
  cutOrigin(): void;
  restoreOrigin(): void;
  purge(body: unknown): Promise<{ status: number; seq: number | null; propagatedMs: number | null; edges: unknown[]; text: string }>;
  destroy(): Promise<void>;
}

export function createFleet(options: {
  edges: LinkSpec[];
  deadlineMs: number;
  stream?: StreamSpec;
  streams?: StreamSpec[];
  log?: (line: string) => void;
  workers?: number;
}): Promise<Fleet>;
