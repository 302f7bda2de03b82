// Types of edge-logs.mjs.
export function logMarks(edgeDir: string): Record<string, number>;
export function tallyByStream(edgeDir: string, marks: Record<string, number>, fromMs: number, toMs: number): Record<string, { requests: number; originFetches: number }>;
