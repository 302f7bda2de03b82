import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cleanEnv, freePort, runStreams, STREAMS_BIN, type ExitResult } from './host-process.js';

export interface EdgeProcess {
  proc: ChildProcess;
  /** The edge's folder (config, logs, state, temp files; the cache unless --cache-dir moved it). */
  dir: string;
  port: number;
  url: string;
  output(): string;
  /** Lines of nginx's JSON access logs so far (hits reach the file within a second). */
  accessLog(): Record<string, any>[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Removes what the edge wrote (its folder, and the temporary HOME / system folder of `defaultFolders`). */
  remove(): void;
}

export interface EdgeOptions {
  origin: string;
  token: string;
  /** The edge's folder; default a new temporary one (0700, as mkdtemp makes it). */
  dir?: string;
  port?: number;
  region?: string;
  cacheDir?: string;
  heartbeatMs?: number;
  /**
   * No --dir: the edge picks its own folder, as an operator's `streams edge` does. HOME is a new
   * temporary folder, and so is the folder a root edge defaults to (STREAMS_EDGE_SYSTEM_DIR, inside
   * a 0755 temporary parent, standing in for /var/lib), so that a test never writes the machine's.
   */
  defaultFolders?: boolean;
}

/** The folders and environment of one edge run (shared by startEdge and runEdgeToExit). */
function edgeSetup(options: EdgeOptions, port: number): { args: string[]; env: NodeJS.ProcessEnv; dir: string; scratch: string[] } {
  const scratch: string[] = [];
  let dir: string;
  let env = cleanEnv();
  if (options.defaultFolders) {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-home-'));
    const system = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-system-'));
    fs.chmodSync(system, 0o755);
    scratch.push(home, system);
    const systemDir = path.join(system, 'streams-edge');
    env = cleanEnv({ HOME: home, STREAMS_EDGE_SYSTEM_DIR: systemDir });
    dir = process.getuid?.() === 0 ? systemDir : path.join(home, '.streams-edge');
  } else {
    dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'streams-edge-'));
  }
  const args = [
    'edge', '--origin', options.origin, `--token=${options.token}`, '--port', String(port), '--bind', '127.0.0.1',
    ...(options.defaultFolders ? [] : ['--dir', dir]),
    ...(options.cacheDir ? ['--cache-dir', options.cacheDir] : []),
    '--heartbeat-ms', String(options.heartbeatMs ?? 500), '--workers', '1', '--cache-size', '256m', '--region', options.region ?? 'test',
  ];
  return { args, env, dir, scratch };
}

/** Runs `streams edge` expecting it to exit (a start-up refusal); cleans up its folders. */
export async function runEdgeToExit(options: EdgeOptions, timeoutMs = 30_000): Promise<ExitResult & { dir: string }> {
  const setup = edgeSetup(options, options.port ?? (await freePort()));
  try {
    return { ...(await runStreams(setup.args, setup.env, timeoutMs)), dir: setup.dir };
  } finally {
    for (const p of setup.scratch) fs.rmSync(p, { recursive: true, force: true });
  }
}

/** Starts `streams edge` on a free loopback port (its own folder unless given) and waits until it serves. */
export async function startEdge(options: EdgeOptions): Promise<EdgeProcess> {
  const port = options.port ?? (await freePort());
  const { args, env, dir, scratch } = edgeSetup(options, port);
  const proc = spawn(process.execPath, [STREAMS_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
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
    // Hits (written by nginx within a second) and upstream fetches (at once), in time order.
    accessLog: () =>
      ['access.json.log', 'fetch.json.log']
        .flatMap((name) => {
          const file = path.join(dir, name);
          return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
        })
        // Hit lines leave out the fields that are empty for a hit (upstream, tags, fill status).
        .map((l): Record<string, any> => ({ up: '', k: '', f: '', ...(JSON.parse(l) as Record<string, any>) }))
        .sort((a, b) => a.t - b.t),
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) {
          resolve(proc.exitCode);
          return;
        }
        proc.once('exit', (code) => resolve(code));
        proc.kill(signal);
      }),
    remove: () => {
      fs.rmSync(dir, { recursive: true, force: true });
      for (const p of scratch) fs.rmSync(p, { recursive: true, force: true });
    },
  };
}
