// Types of bed.mjs for the TypeScript tests.
import type { ChildProcess } from 'node:child_process';
import type { Link, LinkSpec, NetBed } from './netns.mjs';

export const STREAMS_BIN: string;
export const EDGE_PORT: number;
export function cpuSeconds(pid: number): number;
export function publisherArgs(url: string, options?: { fps?: number; kbps?: number }): string[];

export interface FleetEdge {
  index: number;
  id: string;
  url: string;
  region: string;
  link: Link;
  proc: ChildProcess;
  pid: number;
  killedAt: number | null;
  pids(): number[];
  cpu(): number;
  kill(): void;
  metrics(): Promise<{ requests: number; hits: number; originFetches: number }>;
}

export interface Fleet {
  net: NetBed;
  host: { proc: ChildProcess; pid: number; url: string; port: number; token: string; home: string; api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any; text: string }> };
  stream: { name: string; latency: string; publisher: ChildProcess; publisherErrors(): string };
  playbackUrl: string;
  edges: FleetEdge[];
  cutOrigin(): void;
  restoreOrigin(): void;
  purge(body: unknown): Promise<{ status: number; propagatedMs: number | null; edges: unknown[]; text: string }>;
  destroy(): Promise<void>;
}

export function createFleet(options: {
  edges: LinkSpec[];
  deadlineMs: number;
  stream?: { name?: string; latency?: 'low' | 'standard'; fps?: number; kbps?: number };
  log?: (line: string) => void;
  workers?: number;
}): Promise<Fleet>;
