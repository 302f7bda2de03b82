import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../test-support/wait.js';
import { api, freePort, runStreams, startHost, type HostProcess } from '../../test-support/host-process.js';
import { pidsMatching, publishTestPattern } from '../../test-support/media.js';
import { needs } from '../../test-support/peers.js';
import { startSshd, type SshdProcess } from '../../test-support/sshd.mjs';
import { edgeLayout } from './provision-plan.js';

// A real sshd on loopback (key auth): the edge is provisioned through it end to end, under a
// temporary root so that the machine running the test keeps its /opt and /etc untouched.
describe.skipIf(needs('sshd', 'nginx', 'ffmpeg'))('provisioning an edge over SSH', () => {
  let host: HostProcess;
  let sshd: SshdProcess;
  let ffmpeg: ChildProcess;
  let root: string;
  let edgePort: number;
  let edgeId = '';

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-root-'));
    fs.chmodSync(root, 0o755);
    [host, sshd] = await Promise.all([startHost(), startSshd()]);
    edgePort = await freePort();
    const created = await api(host, 'POST', '/api/v1/streams', { name: 'demo', ladder: 'passthrough' });
    ffmpeg = publishTestPattern(`rtmp://127.0.0.1:${host.rtmpPort}/live/${created.json.key}`, { size: '320x180' });
  }, 60_000);

  afterAll(async () => {
    // Whatever a failed run left running: the supervisor's process group.
    const pidFile = edgeLayout(root).supervisorPid;
    if (fs.existsSync(pidFile)) {
      try {
        process.kill(-Number(fs.readFileSync(pidFile, 'utf8')), 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
    ffmpeg?.kill('SIGKILL');
    await host?.stop();
    await sshd?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const provisionArgs = (): string[] => [
    'edge', 'provision', `${sshd.user}@127.0.0.1`, '--ssh-port', String(sshd.port), '--key', sshd.keyFile,
    '--origin', host.url, `--token=${host.token}`, '--port', String(edgePort), '--public-url', `http://127.0.0.1:${edgePort}`,
    '--region', 'loopback', '--root', root,
  ];

  it('streams edge provision installs, starts, checks and registers an edge, which then serves the stream', { timeout: 90_000 }, async () => {
    const run = await runStreams(provisionArgs(), undefined, 80_000);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    for (const title of ['Connect over SSH', 'Detect the operating system', 'Install nginx', 'Upload the agent', 'Write the configuration', 'Install and start the service', 'Check health', 'Register with the origin']) {
      expect(run.stdout).toContain(title);
    }
    expect(run.stdout).toContain('no systemd: started under a supervising restart loop');
    edgeId = /edge (edge-[0-9a-f]+) is serving/.exec(run.stdout)![1]!;
    const edges = (await api(host, 'GET', '/api/v1/cdn/edges')).json as unknown as any[];
    expect(edges.find((e) => e.id === edgeId)).toMatchObject({ url: `http://127.0.0.1:${edgePort}`, region: 'loopback', connected: true });
    // The env file holds the token: owner only.
    expect(fs.statSync(edgeLayout(root).envFile).mode & 0o777).toBe(0o600);

    const edgeUrl = `http://127.0.0.1:${edgePort}`;
    const playlist = await waitFor('a media playlist through the edge', async () => {
      const res = await fetch(`${edgeUrl}/live/demo/v0.m3u8`);
      const text = await res.text();
      return res.ok && text.includes('#EXTINF') ? text : null;
    }, 40_000);
    const segment = playlist.split('\n').filter((l) => !l.startsWith('#') && (l.endsWith('.m4s') || l.includes('.m4s?'))).at(-1)!;
    const res = await fetch(`${edgeUrl}/live/demo/${segment}`);
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(1000);
  });

  it('a re-run upgrades in place: the unchanged agent is not uploaded again', { timeout: 90_000 }, async () => {
    const run = await runStreams(provisionArgs(), undefined, 80_000);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/\[skip\] Upload the agent — the agent is up to date/);
    expect(run.stdout).toContain(`edge ${edgeId} is serving`);
  });

  it('names the failed step: a key the server does not accept fails at "connect"', { timeout: 60_000 }, async () => {
    const otherKey = path.join(root, 'other_key');
    fs.copyFileSync(path.join(sshd.dir, 'host_ed25519'), otherKey);
    const args = provisionArgs();
    args[args.indexOf('--key') + 1] = otherKey;
    const run = await runStreams(args, undefined, 40_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('failed at step "connect"');
    // Nothing changed: the edge still serves.
    expect((await fetch(`http://127.0.0.1:${edgePort}/edge/health`)).status).toBe(200);
  });

  it('refuses bad provisioning input with 400 and starts no job', async () => {
    for (const body of [{}, { host: 'a b', user: 'root', privateKey: 'k' }, { host: 'h', user: 'Root!', privateKey: 'k' }, { host: 'h', user: 'root', privateKey: 'k', root: '../x' }]) {
      const res = await api(host, 'POST', '/api/v1/cdn/provision', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.code).toBe('VALIDATION_FAILED');
    }
    expect((await api(host, 'GET', '/api/v1/cdn/jobs/job_nope')).status).toBe(404);
  });

  it('decommission from the API stops the edge and removes everything it installed, step by step', { timeout: 60_000 }, async () => {
    const job = await api(host, 'POST', '/api/v1/cdn/decommission', {
      host: '127.0.0.1', sshPort: sshd.port, user: sshd.user, privateKey: fs.readFileSync(sshd.keyFile, 'utf8'), root, edgeId,
    });
    expect(job.status).toBe(202);
    const done = await waitFor('the decommission job', async () => {
      const state = (await api(host, 'GET', `/api/v1/cdn/jobs/${job.json.id}`)).json;
      return state.state !== 'running' ? state : null;
    }, 40_000);
    expect(done).toMatchObject({ state: 'done', failedStep: null });
    expect(done.steps.map((s: any) => `${s.id}:${s.status}`)).toEqual(['connect:done', 'stop:done', 'packages:skipped', 'remove-files:done']);
    const layout = edgeLayout(root);
    for (const p of [layout.installDir, layout.confDir, layout.dataDir]) expect(fs.existsSync(p)).toBe(false);
    expect(pidsMatching(layout.dataDir)).toEqual([]);
    const edges = (await api(host, 'GET', '/api/v1/cdn/edges')).json as unknown as any[];
    expect(edges.find((e) => e.id === edgeId)).toBeUndefined();
  });
});
