import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import type { FfmpegInfo } from '../src-shared/contract/system.js';
import { EventBus } from '../src-main/core/bus.js';
import { ChildRegistry } from '../src-main/core/children.js';
import { silentLogger } from '../src-main/core/logger.js';
import { MemoryProbeCache } from '../src-main/encoder/cache.js';
import type { ProbeRunner } from '../src-main/encoder/probe.js';
import { FfmpegService } from '../src-main/encoder/service.js';

/**
 * For FfmpegService tests: a temp folder and a child registry removed after the file's tests, and
 * `setup(env)`, a service on real processes that counts its probe runs and collects its events.
 */
export function ffmpegServiceHarness() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-ffmpeg-service-'));
  const children = new ChildRegistry();
  afterAll(async () => {
    await children.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  const setup = (env: NodeJS.ProcessEnv, cache = new MemoryProbeCache()) => {
    const counter = { runs: 0 };
    const runner: ProbeRunner = {
      run: (command, args, options) => {
        counter.runs++;
        return children.run(command, args, options);
      },
    };
    const bus = new EventBus();
    const events: FfmpegInfo[] = [];
    bus.on('system.ffmpeg', (info) => events.push(info));
    const service = new FfmpegService({ children: runner, bus, logger: silentLogger(), cache, timeoutMs: () => 15_000, env });
    return { service, counter, events, cache };
  };
  return { tmp, children, setup };
}
