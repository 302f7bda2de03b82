import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, STREAMS_BIN } from './host-process.js';

export interface EdgeProcess {
  proc: ChildProcess;
  dir: string;
  port: number;
  url: string;
  output(): string;
  /** Lines of nginx's JSON access log so far. */
  accessLog(): Record<string, any>[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `streams edge` on a free loopback port (its own folder unless given) and waits until it serves. */
export async function startEdge(options: { origin: string; token: string; dir?: string; port?: number; region?: string }): Promise<EdgeProcess> {
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'streams-edge-'));
  const port = options.port ?? (await freePort());
  const args = [
    STREAMS_BIN, 'edge', '--origin', options.origin, `--token=${options.token}`, '--port', String(port), '--bind', '127.0.0.1',
    '--dir', dir, '--heartbeat-ms', '500', '--workers', '1', '--cache-size', '256m', '--region', options.region ?? 'test',
  ];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`edge did not start in 30 s:\n${output}`)), 30_000);
    const check = (): void => {
      if (output.includes('Streams edge ')) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout!.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`edge exited with ${String(code)}:\n${output}`));
    });
  });
  return {
    proc,
    dir,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    accessLog: () =>
      fs
        .readFileSync(path.join(dir, 'access.json.log'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, any>),
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) {
          resolve(proc.exitCode);
          return;
        }
        proc.once('exit', (code) => resolve(code));
        proc.kill(signal);
      }),
  };
}
