// The runners autoscaler against a real host, a real sshd on loopback and a provider command of our
// own (test-support/scaling-provider.mjs: a "machine" is a folder the runner is installed under). Jobs
// 0 -> 6 -> 0: with one slot at the host the jobs wait, a runner is added from the provider and
// provisioned over SSH, takes jobs; once idle it is drained, decommissioned and its machine destroyed.
// Every decision is a scaling.changed event, an audit entry, and in GET /scaling with its reason. A
// provider that fails to create a machine: a failed decision with its message, a backoff, no runner
// beyond the bounds.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, cleanEnv, startHost, type HostProcess } from '../../test-support/host-process.js';
import { needs } from '../../test-support/peers.js';
import { startSshd, type SshdProcess } from '../../test-support/sshd.mjs';
import { makeClip, tusUpload } from '../../test-support/vod-media.js';
import { waitFor } from '../../test-support/wait.js';
import { stopProvisioned } from '../../test-support/provisioned.js';

const PROVIDER = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'test-support', 'scaling-provider.mjs');

describe.skipIf(needs('sshd', 'ffmpeg'))('the runners autoscaler', () => {
  let host: HostProcess;
  let sshd: SshdProcess;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'autoscaler-'));
  const machines = path.join(work, 'machines');

  beforeAll(async () => {
    fs.mkdirSync(machines, { recursive: true });
    fs.chmodSync(work, 0o755);
    fs.chmodSync(machines, 0o755);
    [host, sshd] = await Promise.all([startHost({ env: cleanEnv({ STREAMS_LIBRARY_DEFAULT_PRESET: 'fast' }) }), startSshd()]);
    const set = await api(host, 'PATCH', '/api/v1/config', {
      library: { processOnOrigin: false, concurrency: 1 },
      scaling: {
        runners: true, runnersMin: 0, runnersMax: 1, queueWaitSeconds: 1, idleSeconds: 10, cooldownSeconds: 1, runnerSlots: 2,
        sshKeyFile: sshd.keyFile, origin: host.url,
        providerCommand: `${process.execPath} ${PROVIDER} --dir ${machines} --port ${sshd.port} --user ${sshd.user}`,
      },
    });
    expect(set.status, set.text).toBe(200);
  }, 60_000);

  afterAll(async () => {
    // A runner left behind by a failed run: its supervisor by the pid file of every machine folder.
    for (const entry of fs.existsSync(machines) ? fs.readdirSync(machines) : []) stopProvisioned(path.join(machines, entry), 'SIGKILL');
    await host?.stop();
    await sshd?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  const status = async (): Promise<Record<string, any>> => (await api(host, 'GET', '/api/v1/scaling')).json;
  const calls = (): string[] => (fs.existsSync(path.join(machines, 'calls.log')) ? fs.readFileSync(path.join(machines, 'calls.log'), 'utf8').trim().split('\n') : []);

  it('adds a runner from the provider when jobs wait, and drains, decommissions and destroys it once idle', { timeout: 300_000 }, async () => {
    expect(await status()).toMatchObject({ enabled: true, min: 0, max: 1, members: [], provider: true, poolSize: 0 });
    const clip = await makeClip(path.join(work, 'clip.mp4'), { seconds: 12, scenes: 2 });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const uploadId = await tusUpload(host, clip, { filename: `clip-${i}.mp4` });
      ids.push(((await api(host, 'GET', `/api/v1/videos?uploadId=${uploadId}`)).json as unknown as Record<string, any>[])[0]!.id);
    }
    const added = await waitFor('a runner added', async () => (await status()).decisions.find((d: { action: string }) => d.action === 'add'), 30_000, 250);
    expect(added.reason).toMatch(/jobs? waiting, the oldest \d+ s \(target 1 s\), no runner slot free/);
    const ready = await waitFor('the runner ready', async () => (await status()).decisions.find((d: { action: string }) => d.action === 'ready'), 120_000, 500);
    expect(ready.member).toBe(added.member);
    expect(calls()).toEqual([`create runner ${added.member}`]);
    const runners = (await api(host, 'GET', '/api/v1/runners')).json as unknown as Record<string, any>[];
    expect(runners.map((r) => r.name)).toEqual([added.member]);
    const tokenNames = async (): Promise<string[]> => ((await api(host, 'GET', '/api/v1/tokens')).json as unknown as { name: string }[]).map((t) => t.name);
    expect(await tokenNames()).toContain(`runner ${added.member} (autoscaler)`);
    // Two more while it is connected: this host leaves them to runners (processOnOrigin false), so at
    // least these run there however fast this host got through the first six.
    for (let i = 0; i < 2; i++) {
      const uploadId = await tusUpload(host, clip, { filename: `later-${i}.mp4` });
      ids.push(((await api(host, 'GET', `/api/v1/videos?uploadId=${uploadId}`)).json as unknown as Record<string, any>[])[0]!.id);
    }
    // Every video ends ready, some of them on the runner (a job shows its runner while it runs).
    const onRunner = new Set<string>();
    await waitFor('every video ready', async () => {
      const all = await Promise.all(ids.map(async (id) => (await api(host, 'GET', `/api/v1/videos/${id}`)).json));
      if (all.some((v) => v.state === 'failed')) throw new Error(JSON.stringify(all.map((v) => v.error)));
      for (const v of all) if (v.job?.runner) onRunner.add(v.id);
      return all.every((v) => v.state === 'ready');
    }, 180_000, 250);
    expect(onRunner.size).toBeGreaterThanOrEqual(1);
    // Idle past 10 s: drained, decommissioned, the machine destroyed.
    const removed = await waitFor('the runner removed', async () => (await status()).decisions.find((d: { action: string }) => d.action === 'removed'), 90_000, 500);
    expect(removed.reason).toBe(`${added.member} decommissioned and its machine destroyed`);
    const remove = (await status()).decisions.find((d: { action: string }) => d.action === 'remove');
    expect(remove.reason).toMatch(new RegExp(`^${added.member} idle for \\d+ s \\(target 10 s\\), nothing waiting$`));
    expect(calls()).toEqual([`create runner ${added.member}`, `destroy ${added.member}`]);
    expect(fs.existsSync(path.join(machines, `machine-${added.member}`))).toBe(false);
    // Its token went with it.
    expect(await tokenNames()).not.toContain(`runner ${added.member} (autoscaler)`);
    await waitFor('no runner listed', async () => ((await api(host, 'GET', '/api/v1/runners')).json as unknown as unknown[]).length === 0, 20_000, 250);
    const final = await status();
    expect(final.members).toEqual([]);
    expect(final.samples.some((s: { runners: number; waiting: number }) => s.runners === 1)).toBe(true);
    // Each decision is in the audit log with its reason.
    const audit = (await api(host, 'GET', '/api/v1/audit?action=scaling.add')).json;
    expect(audit.entries[0]).toMatchObject({ actor: 'system', action: 'scaling.add', target: added.member, result: 'ok', detail: added.reason });
  });

  it('backs off and says so when the provider cannot create a machine, and stays within its bounds', { timeout: 120_000 }, async () => {
    fs.writeFileSync(path.join(machines, 'fail'), 'quota exceeded for instances in region test-1');
    const clip = path.join(work, 'clip.mp4');
    for (let i = 0; i < 4; i++) await tusUpload(host, clip, { filename: `again-${i}.mp4` });
    const failed = await waitFor('a failed decision', async () => (await status()).decisions.find((d: { action: string }) => d.action === 'failed'), 30_000, 250);
    expect(failed.reason).toMatch(/^no machine: the provider's create exited 3: quota exceeded for instances in region test-1; next try in 30 s$/);
    const after = await status();
    expect(after.backoffUntil).toBeGreaterThan(Date.now());
    expect(after.members).toEqual([]);
    // While backed off it adds nothing (a look every 5 s), and says why while jobs still wait.
    await new Promise((r) => setTimeout(r, 7000));
    const held = await status();
    const since = held.decisions.filter((d: { at: number }) => d.at >= failed.at - 1000);
    expect(since.map((d: { action: string }) => d.action)).toEqual(['failed', 'add']);
    expect(held.members).toEqual([]);
    if (/jobs? waiting/.test(held.lastReason)) expect(held.lastReason).toMatch(/adding waits \d+ s after a failure$/);
    const audit = (await api(host, 'GET', '/api/v1/audit?action=scaling.failed')).json;
    expect(audit.entries[0]).toMatchObject({ action: 'scaling.failed', result: 'failed' });
    // Bad policy input is refused with the field, nothing changed.
    const bad = await api(host, 'PATCH', '/api/v1/config', { scaling: { sshHosts: 'root@host; rm -rf /' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('VALIDATION_FAILED');
    expect((await status()).poolSize).toBe(0);
  });
});
