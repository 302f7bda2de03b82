import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleLayout } from '../edge/provision-plan.js';
import { api, cleanEnv, runStreams, startHost, type HostProcess } from '../../test-support/host-process.js';
import { pidsMatching } from '../../test-support/media.js';
import { needs } from '../../test-support/peers.js';
import { stopProvisioned } from '../../test-support/provisioned.js';
import { startSshd, type SshdProcess } from '../../test-support/sshd.mjs';
import { makeClip, tusUpload } from '../../test-support/vod-media.js';
import { waitFor } from '../../test-support/wait.js';

// A runner provisioned over SSH from the CLI (a real sshd on loopback, key auth), under a temporary
// root so the machine's /opt and /etc stay untouched: it connects to the host, takes a video, and
// decommission stops it and removes what provisioning put there.
describe.skipIf(needs('sshd', 'ffmpeg'))('provisioning a runner over SSH', () => {
  let host: HostProcess;
  let sshd: SshdProcess;
  let root: string;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-provision-'));

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-root-'));
    fs.chmodSync(root, 0o755);
    [host, sshd] = await Promise.all([startHost({ env: cleanEnv({ STREAMS_LIBRARY_DEFAULT_PRESET: 'fast' }) }), startSshd()]);
    const set = await api(host, 'PATCH', '/api/v1/config', { library: { processOnOrigin: false } });
    expect(set.status, set.text).toBe(200);
  }, 60_000);

  afterAll(async () => {
    stopProvisioned(root);
    await host?.stop();
    await sshd?.stop();
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  const target = (): string[] => [`${sshd.user}@127.0.0.1`, '--ssh-port', String(sshd.port), '--key', sshd.keyFile, '--root', root];

  it('streams runner provision installs and starts a runner that connects and processes the library', { timeout: 150_000 }, async () => {
    const token = await api(host, 'POST', '/api/v1/tokens', { name: 'runners', scopes: ['runners:write'] });
    expect(token.status).toBe(201);
    const run = await runStreams(['runner', 'provision', ...target(), '--origin', host.url, `--token=${token.json.token}`, '--name', 'render-ssh', '--slots', '1'], undefined, 90_000);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    for (const title of ['Connect over SSH', 'Detect the operating system', 'Install ffmpeg and Node', 'Upload the agent', 'Write the configuration', 'Install and start the service', 'Register with the origin']) {
      expect(run.stdout).toContain(title);
    }
    expect(run.stdout).toContain('runner render-ssh is connected');
    const layout = roleLayout('runner', root);
    expect(fs.statSync(layout.envFile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(layout.envFile, 'utf8')).toContain('STREAMS_RUNNER_NAME=render-ssh');
    const listed = (await api(host, 'GET', '/api/v1/runners')).json as unknown as Record<string, any>[];
    expect(listed).toMatchObject([{ name: 'render-ssh', slots: 1 }]);
    // It takes a video and the host publishes what it made.
    const clip = await makeClip(path.join(work, 'clip.mp4'), { seconds: 6, scenes: 2 });
    const uploadId = await tusUpload(host, clip, { filename: 'remote.mp4' });
    const video = ((await api(host, 'GET', `/api/v1/videos?uploadId=${uploadId}`)).json as unknown as Record<string, any>[])[0]!;
    const ready = await waitFor('processed by the provisioned runner', async () => {
      const v = (await api(host, 'GET', `/api/v1/videos/${video.id}`)).json;
      if (v.state === 'failed') throw new Error(JSON.stringify(v.error));
      return v.state === 'ready' ? v : undefined;
    }, 90_000, 250);
    expect(ready.job.attempts).toBe(1);
    expect(((await api(host, 'GET', '/api/v1/runners')).json as unknown as Record<string, any>[])[0]).toMatchObject({ name: 'render-ssh', done: 1 });
  });

  it('a re-run does not upload the unchanged runner again; a token without runners:write fails at "register" with the reason', { timeout: 120_000 }, async () => {
    const again = await runStreams(['runner', 'provision', ...target(), '--origin', host.url, `--token=${host.token}`, '--name', 'render-ssh', '--slots', '1'], undefined, 90_000);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/\[skip\] Upload the agent — the agent is up to date/);
    const reader = await api(host, 'POST', '/api/v1/tokens', { name: 'reader', scopes: ['videos:read'] });
    const refused = await runStreams(['runner', 'provision', ...target(), '--origin', host.url, `--token=${reader.json.token}`, '--name', 'render-ssh'], cleanEnv(), 100_000);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/failed at step "register": the runner did not connect: refused by the origin \(FORBIDDEN\).*runners:write/);
  });

  it('streams runner decommission stops the runner and removes its files', { timeout: 60_000 }, async () => {
    const run = await runStreams(['runner', 'decommission', ...target()], undefined, 40_000);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('runner removed');
    const layout = roleLayout('runner', root);
    for (const p of [layout.installDir, layout.confDir, layout.dataDir]) expect(fs.existsSync(p)).toBe(false);
    expect(pidsMatching(layout.dataDir)).toEqual([]);
    await waitFor('the runner gone from the host', async () => ((await api(host, 'GET', '/api/v1/runners')).json as unknown as unknown[]).length === 0, 10_000);
  });

  it('from the API: provision with a new runners:write token of the caller, steps as a job; bad input is 400; decommission disconnects it', { timeout: 120_000 }, async () => {
    const ssh = { host: '127.0.0.1', sshPort: sshd.port, user: sshd.user, privateKey: fs.readFileSync(sshd.keyFile, 'utf8'), root };
    for (const body of [{}, { ...ssh, host: 'a b' }, { ...ssh, slots: 99 }, { ...ssh, name: 'bad/name' }]) {
      const res = await api(host, 'POST', '/api/v1/runners/provision', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.code).toBe('VALIDATION_FAILED');
    }
    const tokensBefore = ((await api(host, 'GET', '/api/v1/tokens')).json as unknown as unknown[]).length;
    const started = await api(host, 'POST', '/api/v1/runners/provision', { ...ssh, name: 'render-api', slots: 1 });
    expect(started.status, started.text).toBe(202);
    const done = await waitFor('the provisioning job', async () => {
      const job = (await api(host, 'GET', `/api/v1/cdn/jobs/${started.json.id}`)).json;
      return job.state !== 'running' ? job : null;
    }, 90_000, 250);
    expect(done, JSON.stringify(done.steps)).toMatchObject({ state: 'done', failedStep: null });
    expect(done.steps.map((s: { id: string }) => s.id)).toEqual(['connect', 'detect-os', 'packages', 'upload', 'configure', 'service', 'register']);
    const runners = (await api(host, 'GET', '/api/v1/runners')).json as unknown as Record<string, any>[];
    expect(runners).toMatchObject([{ name: 'render-api', slots: 1 }]);
    // The runner holds a token of its own, runners:write only, listed where the operator can revoke it.
    const tokens = (await api(host, 'GET', '/api/v1/tokens')).json as unknown as Record<string, any>[];
    expect(tokens.length).toBe(tokensBefore + 1);
    expect(tokens.find((t) => t.name === 'runner render-api')).toMatchObject({ scopes: ['runners:write'] });
    expect(fs.readFileSync(roleLayout('runner', root).envFile, 'utf8')).not.toContain(host.token);
    const gone = await api(host, 'POST', '/api/v1/runners/decommission', { ...ssh, runnerId: runners[0]!.id });
    expect(gone.status, gone.text).toBe(202);
    const ended = await waitFor('the decommission job', async () => {
      const job = (await api(host, 'GET', `/api/v1/cdn/jobs/${gone.json.id}`)).json;
      return job.state !== 'running' ? job : null;
    }, 40_000, 250);
    expect(ended).toMatchObject({ state: 'done' });
    expect(fs.existsSync(roleLayout('runner', root).installDir)).toBe(false);
    expect((await api(host, 'GET', '/api/v1/runners')).json).toEqual([]);
  });
});
