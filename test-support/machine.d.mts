// Types of machine.mjs for the TypeScript tests.
export function which(name: string, extra?: readonly string[]): string | null;
export function nginxModulePath(file: string): string | null;
export function findChromium(explicit: string | undefined): string | null;
export const CLK_TCK: number;
export function cpuSeconds(pid: number): number | null;
export function processTree(pid: number): number[];
export function freePort(): Promise<number>;
