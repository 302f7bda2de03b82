import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ObsProcess } from '../src-main/obs/obs-process.js';
import { freePort } from './host-process.js';
import { ChildRegistry } from '../src-main/core/children.js';

export interface TestObs {
  home: string;
  port: number;
  password: string;
  process: ObsProcess;
  /** SIGINT, then SIGKILL to its group: no orphans. Removes its HOME. */
  stop(): Promise<void>;
}

/**
 * A real OBS Studio 29 under `xvfb-run -a`, with its own HOME (profile with 2 s keyframes),
 * websocket on a free port with a password. Reuse one per test file: it takes a few seconds to start.
 */
export async function startObs(options: { password?: string; port?: number } = {}): Promise<TestObs> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-home-'));
  const port = options.port ?? (await freePort());
  const password = options.password ?? `pw-${Math.random().toString(36).slice(2, 10)}`;
  const children = new ChildRegistry();
  const process = new ObsProcess({ children, home, websocketPort: port, websocketPassword: password, recordDir: path.join(home, 'recordings'), bitrateKbps: 1500 });
  await process.start(45_000);
  return {
    home,
    port,
    password,
    process,
    stop: async () => {
      await process.stop();
      await children.dispose();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

