import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { ChildRegistry } from '../src-main/core/children.js';
import { silentLogger } from '../src-main/core/logger.js';
import { EdgeAgentCore } from '../src-main/edge/agent.js';
import { LogTail } from '../src-main/edge/log-tail.js';
import { ACCESS_LOG, cacheLayout, FETCH_LOG } from '../src-main/edge/nginx-conf.js';
import { findModulesDir, findNginx, NginxProcess } from '../src-main/edge/nginx-process.js';
import type { PlaylistMirror } from '../src-main/edge/playlist-mirror.js';
import { freePort } from './host-process.js';
import { pidsMatching } from './media.js';

/**
 * One edge's data plane and agent against a Node origin, for integration tests of nginx-conf.ts: a
 * real nginx (one worker) in a temporary folder reachable by its workers, the agent core reading its
 * logs (the fetch log; the hit log too with `hitLog`), no origin link. `dispose` checks that nothing
 * of it is left running.
 */
export interface EdgeHarness {
  dir: string;
  cacheDir: string;
  /** The edge's public base URL. */
  base: string;
  originUrl: string;
  nginx: NginxProcess;
  agent: EdgeAgentCore;
  state: { id: string; lastSeq: number | null; keys: { current: string; previous: null } };
  /** Applies a purge with the next sequence number. */
  purge(request: Parameters<EdgeAgentCore['applyPurge']>[1]): Promise<number>;
  dispose(): Promise<void>;
}

export async function startEdgeHarness(options: {
  prefix: string;
  key: string;
  origin: http.RequestListener;
  mirrorBudgetBytes: number;
  /** Tail the hit log as well (playlist activity), every `tailMs`. */
  hitLog?: boolean;
  tailMs?: number;
  playlists?: (originUrl: string, state: EdgeHarness['state'], cacheDir: string) => PlaylistMirror;
}): Promise<EdgeHarness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), options.prefix));
  // Reachable by nginx's workers when the test runs as root (they run as nobody).
  fs.chmodSync(dir, 0o755);
  const children = new ChildRegistry();
  const origin = http.createServer(options.origin);
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const originUrl = `http://127.0.0.1:${(origin.address() as { port: number }).port}`;
  const port = await freePort();
  const controlPort = await freePort();
  const cacheDir = path.join(dir, 'cache');
  const state = { id: 'edge-test', lastSeq: null as number | null, keys: { current: options.key, previous: null } };
  const nginx = new NginxProcess(
    { children, logger: silentLogger(), bin: findNginx()! },
    {
      dir, cacheDir, cacheSize: '64m', port, bind: '127.0.0.1', controlPort, fillPort: await freePort(), agentPort: await freePort(),
      origin: originUrl, keys: state.keys, modulesDir: findModulesDir()!, workerProcesses: 1,
    },
  );
  const playlists = options.playlists?.(originUrl, state, cacheDir);
  let tails: LogTail[] = [];
  const agent = new EdgeAgentCore({
    logger: silentLogger(),
    nginx: { up: true },
    dataPlane: () => null,
    controlPort,
    cacheDir,
    mirror: { dir: cacheLayout(cacheDir).mirror, budgetBytes: options.mirrorBudgetBytes },
    state,
    saveState: () => undefined,
    drainLog: () => tails.forEach((t) => t.drain()),
    indexFile: path.join(dir, 'tag-index.json'),
    ...(playlists ? { playlists } : {}),
  });
  playlists?.start();
  tails = [...(options.hitLog ? [ACCESS_LOG] : []), FETCH_LOG].map((log) => new LogTail(path.join(dir, log), agent.onLogLine, options.tailMs));
  await nginx.start();
  for (const t of tails) t.start();
  let seq = 0;
  return {
    dir, cacheDir, base: `http://127.0.0.1:${port}`, originUrl, nginx, agent, state,
    purge: (request) => agent.applyPurge(++seq, request),
    async dispose() {
      for (const t of tails) t.dispose();
      await agent.dispose();
      await nginx.dispose();
      await children.dispose();
      await new Promise((resolve) => origin.close(resolve));
      expect(pidsMatching(dir)).toEqual([]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
