// The DVR test needs a low-latency stream that has been live for five minutes. Waiting those minutes in
// the test itself left the e2e stage idle for five of its twelve minutes, so this global setup starts
// that host and its publisher when the e2e stage begins (a 320x180 15 fps passthrough stream: about
// 2 % of a core, so the timing of the files running meanwhile is not disturbed), the other e2e files run meanwhile, and e2e/ll-dvr.test.ts (sorted last) finds the stream
// already five minutes old. A run that does not include that file starts nothing.
import type { ChildProcess } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { api, startHost, type HostProcess } from '../test-support/host-process.js';
import { exitOf, publishTestPattern } from '../test-support/media.js';
import { needs } from '../test-support/peers.js';

export const DVR_TEST_FILE = 'll-dvr.test.ts';

export interface DvrSoak {
  url: string;
  home: string;
  token: string;
  /** When the publisher started (Unix ms). */
  startedAt: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    dvrSoak: DvrSoak | null;
  }
}

/** File filters on vitest's command line (none: every file runs). */
const fileFilters = (): string[] => process.argv.slice(2).filter((arg) => !arg.startsWith('-') && arg.includes('.test.'));

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const filters = fileFilters();
  const runsDvr = filters.length === 0 || filters.some((f) => f.includes(DVR_TEST_FILE));
  if (!runsDvr || needs('chromium')) {
    project.provide('dvrSoak', null);
    return undefined;
  }
  let host: HostProcess | undefined;
  let publisher: ChildProcess | undefined;
  try {
    host = await startHost();
    const created = (await api(host, 'POST', '/api/v1/streams', { name: 'dvr', ladder: 'passthrough', latency: 'low', dvrMinutes: 3 })).json;
    publisher = publishTestPattern(`${created.ingest.rtmp}/${created.key}`, { size: '320x180', fps: 15 });
    project.provide('dvrSoak', { url: host.url, home: host.home, token: host.token, startedAt: Date.now() });
  } catch (error) {
    publisher?.kill('SIGKILL');
    await host?.stop('SIGKILL');
    throw error;
  }
  return async () => {
    publisher!.kill('SIGKILL');
    await exitOf(publisher!);
    const code = await host!.stop('SIGTERM');
    if (code !== 0) throw new Error(`the DVR soak host exited with ${String(code)}:\n${host!.stderr().slice(-2000)}`);
  };
}
