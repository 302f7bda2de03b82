import dgram from 'node:dgram';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const STREAMS_BIN = path.join(ROOT, 'bin', 'streams.mjs');

export function tempHome(prefix = 'streams-home-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

import { freePort } from '../src-main/platform/net.js';

export { freePort };

/**
 * Kept by cleanEnv: scripts/test.mjs marks every process of a test stage with it, to find and kill
 * what a stage leaves behind (the host ignores it: TEST is no config section).
 */
const TEST_RUN_MARKER = 'STREAMS_TEST_RUN';

/** The environment of a test host: ours, minus any STREAMS_* a developer may have set. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('STREAMS_') || k === TEST_RUN_MARKER) env[k] = v;
  return { ...env, ...extra };
}

export interface HostProcess {
  proc: ChildProcess;
  rtmpPort: number;
  srtPort: number;
  mqttPort: number;
  home: string;
  port: number;
  url: string;
  loginUrl: string;
  token: string;
  stdout(): string;
  stderr(): string;
  /** Sends a signal and resolves with the exit code (null when killed by the signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ExitResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A UDP port nothing holds now (the system's choice). */
function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** Free ingest ports, unless the test chose them: hosts in one test run must not collide on 1935 or 1883. */
async function withIngestPorts(env: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  return {
    ...env,
    STREAMS_RTMP_PORT: env.STREAMS_RTMP_PORT ?? String(await freePort()),
    // SRT listens on UDP: a port free for TCP may be some WebRTC socket's.
    STREAMS_SRT_PORT: env.STREAMS_SRT_PORT ?? String(await freeUdpPort()),
    STREAMS_MQTT_PORT: env.STREAMS_MQTT_PORT ?? String(await freePort()),
  };
}

/** Runs `streams <args>` to completion (for start-up failures): resolves with code and output. */
export async function runStreams(args: string[], env: NodeJS.ProcessEnv = cleanEnv(), timeoutMs = 20_000): Promise<ExitResult> {
  const fullEnv = args[0] === 'host' ? await withIngestPorts(env) : env;
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [STREAMS_BIN, ...args], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`streams ${args.join(' ')} did not exit within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Starts `streams host` on a free port and waits for its sign-in line. A port found free can be taken
 * before the host binds it (an outgoing connection of another test gets it as its local port, or
 * another test's host): when the host says a port this function picked is in use, it starts again
 * on new ones (a port the test chose is never replaced).
 */
/**
 * `netns`: the host runs in that network namespace (`ip netns exec`), reached at `address` (its http.bind
 * there): a test's clients then come from another address than loopback.
 */
export interface HostOptions {
  home?: string;
  port?: number;
  env?: NodeJS.ProcessEnv;
  args?: string[];
  netns?: { name: string; address: string };
  /** The address the host is reached at when it binds another than loopback (`args: ['--bind', ...]`). */
  address?: string;
}

export async function startHost(options: HostOptions = {}): Promise<HostProcess> {
  for (let attempt = 1; ; attempt++) {
    const picked = new Set<number>();
    try {
      return await launchHost(options, picked);
    } catch (error) {
      const taken = /port (\d+) on \S+ is already in use/.exec(String((error as Error).message));
      if (attempt >= 3 || !taken || !picked.has(Number(taken[1]))) throw error;
    }
  }
}

async function launchHost(options: HostOptions, picked: Set<number>): Promise<HostProcess> {
  const home = options.home ?? tempHome();
  const port = options.port ?? (await freePort());
  if (options.port === undefined) picked.add(port);
  const given = options.env ?? cleanEnv();
  const env = await withIngestPorts(given);
  for (const key of ['STREAMS_RTMP_PORT', 'STREAMS_SRT_PORT', 'STREAMS_MQTT_PORT']) if (given[key] === undefined) picked.add(Number(env[key]));
  const command = [process.execPath, STREAMS_BIN, 'host', '--home', home, '--port', String(port), ...(options.args ?? [])];
  if (options.netns) command.unshift('ip', 'netns', 'exec', options.netns.name);
  const proc = spawn(command[0]!, command.slice(1), {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const loginUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start in 30 s:\n${stdout}\n${stderr}`)), 30_000);
    const check = (): void => {
      const match = /Sign in:\s+(\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    proc.stdout!.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`host exited with ${String(code)} before starting:\n${stdout}\n${stderr}`));
    });
  });
  const token = fs.readFileSync(path.join(home, 'api-token'), 'utf8').trim();
  return {
    proc,
    rtmpPort: Number(env.STREAMS_RTMP_PORT),
    srtPort: Number(env.STREAMS_SRT_PORT),
    mqttPort: Number(env.STREAMS_MQTT_PORT),
    home,
    port,
    url: `http://${options.netns?.address ?? options.address ?? '127.0.0.1'}:${port}`,
    loginUrl,
    token,
    stdout: () => stdout,
    stderr: () => stderr,
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

export async function api(host: HostProcess, method: string, urlPath: string, body?: unknown, token: string | null = host.token) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${host.url}${urlPath}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json: json as Record<string, any> };
}
