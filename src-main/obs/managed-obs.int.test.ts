// Host mode with obs.managed: the host starts OBS under a virtual display with a random password,
// connects to it, and stops it with itself (no OBS, xvfb-run or Xvfb left behind).
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { api, cleanEnv, startHost, type HostProcess } from '../../test-support/host-process.js';
import { needs } from '../../test-support/peers.js';
import { waitFor } from '../../test-support/wait.js';

/** Processes started with HOME=`home` (OBS, xvfb-run and Xvfb all inherit it). */
function pidsWithHome(home: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return fs.readFileSync(`/proc/${d}/environ`, 'utf8').split('\0').includes(`HOME=${home}`);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe.skipIf(needs('obs', 'xvfb'))('managed OBS (host mode)', () => {
  let host: HostProcess | undefined;

  afterAll(async () => {
    await host?.stop('SIGTERM');
  });

  it('starts OBS, connects to it as "managed", restarts it when it dies, and stops it with the host', async () => {
    host = await startHost({ env: cleanEnv({ STREAMS_OBS_MANAGED: 'true' }) });
    const managed = await waitFor(
      'the managed OBS to connect',
      async () => {
        const list = (await api(host!, 'GET', '/api/v1/obs/connections')).json as { id: string; state: string; managed: boolean }[];
        return list.find((c) => c.id === 'managed' && c.state === 'connected');
      },
      45_000,
      250,
    );
    expect(managed.managed).toBe(true);
    const scenes = await api(host, 'GET', '/api/v1/obs/connections/managed/scenes');
    expect(scenes.status).toBe(200);
    expect(scenes.json.scenes.length).toBeGreaterThanOrEqual(1);
    const obsHome = `${host.home}/obs`;
    const running = pidsWithHome(obsHome);
    expect(running.length).toBeGreaterThanOrEqual(2); // xvfb-run, Xvfb, obs

    // Supervised: OBS killed -> restarted by the host, and the connection comes back by itself.
    const obsPid = running.find((pid) => fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'obs');
    expect(obsPid).toBeDefined();
    process.kill(obsPid!, 'SIGKILL');
    await waitFor('the loss to show', async () => ((await api(host!, 'GET', '/api/v1/obs/connections')).json as { state: string }[])[0]?.state !== 'connected', 10_000, 50);
    await waitFor('the managed OBS to come back', async () => ((await api(host!, 'GET', '/api/v1/obs/connections')).json as { state: string }[])[0]?.state === 'connected', 45_000, 250);
    expect(pidsWithHome(obsHome)).not.toContain(obsPid);
    expect(await host.stop('SIGTERM')).toBe(0);
    host = undefined;
    expect(pidsWithHome(obsHome)).toEqual([]);
  });
});
