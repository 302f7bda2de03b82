// Transcoding runners across a network: the host on the fleet bed's origin address, two `streams
// runner` processes each in its own network namespace behind a shaped link (tc), as on two other
// machines. They take ten videos in parallel and one is SIGKILLed mid-job: every video ends ready
// exactly once (one change into `ready` per video on the events socket, one more attempt for the killed
// job only), its outputs the same (renditions, duration, thumbnails) as the host's own processing.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createNetBed, bedUnavailable, ORIGIN_ADDRESS, type NetBed } from '../../test-support/fleet/netns.mjs';
import { api, cleanEnv, startHost, STREAMS_BIN, type HostProcess } from '../../test-support/host-process.js';
import { exitOf, ffprobe } from '../../test-support/media.js';
import { needs, recordSkip } from '../../test-support/peers.js';
import { makeClip, tusUpload } from '../../test-support/vod-media.js';
import { sleep, waitFor } from '../../test-support/wait.js';

const why = needs('root', 'ffmpeg', 'iptables') || ((reason) => (reason ? recordSkip(reason) : false))(bedUnavailable());
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-runners-netns-'));
let host: HostProcess | undefined;
let bed: NetBed | undefined;
let clip = '';
const runners: ChildProcess[] = [];

/** One bed at a time on a machine: another test run's bed is waited for (up to 5 minutes). */
async function acquireBed(): Promise<NetBed> {
  for (let waited = 0; ; waited += 2000) {
    try {
      return createNetBed({ links: [{ rateMbit: 200, rttMs: 2, loss: 0 }, { rateMbit: 200, rttMs: 2, loss: 0 }], deadlineMs: 300_000 });
    } catch (error) {
      if (!/another fleet bed is running/.test(String(error)) || waited > 300_000) throw error;
      await sleep(2000);
    }
  }
}

function startRunner(h: HostProcess, name: string, ns: string): { proc: ChildProcess; output(): string } {
  const [cmd, args] = bed!.exec(ns, [process.execPath, STREAMS_BIN, 'runner', '--origin', h.url, '--token', h.token, '--name', name, '--dir', path.join(work, name), '--slots', '1']);
  const proc = spawn(cmd, args, { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  bed!.register(proc.pid!);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  runners.push(proc);
  return { proc, output: () => out };
}

/** The host's pushed events over its WebSocket (at the host's own address). */
async function collectEvents(h: HostProcess): Promise<{ events: { event: string; data: any }[]; close(): void }> {
  const ws = new WebSocket(`${h.url.replace('http', 'ws')}/api/v1/events`, { headers: { authorization: `Bearer ${h.token}` } });
  const events: { event: string; data: any }[] = [];
  ws.on('message', (raw) => {
    const m = JSON.parse(String(raw)) as { type: string; event?: string; data?: unknown };
    if (m.type === 'event' && m.event) events.push({ event: m.event, data: m.data });
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { events, close: () => ws.close() };
}

const listRunners = async (h: HostProcess): Promise<Record<string, any>[]> => (await api(h, 'GET', '/api/v1/runners')).json as unknown as Record<string, any>[];
const videoById = async (h: HostProcess, id: string): Promise<Record<string, any>> => (await api(h, 'GET', `/api/v1/videos/${id}`)).json;
const videoOfUpload = async (h: HostProcess, uploadId: string): Promise<Record<string, any>> =>
  ((await api(h, 'GET', `/api/v1/videos?uploadId=${uploadId}`)).json as unknown as Record<string, any>[])[0]!;
const outputsOf = (h: HostProcess, id: string): Record<string, any> => JSON.parse(fs.readFileSync(path.join(h.home, 'library', 'videos', id, 'outputs.json'), 'utf8'));

describe.skipIf(why)('transcoding runners in network namespaces', () => {
  beforeAll(async () => {
    clip = await makeClip(path.join(work, 'clip.mp4'), { seconds: 8, scenes: 2 });
    bed = await acquireBed();
    host = await startHost({
      args: ['--bind', ORIGIN_ADDRESS],
      address: ORIGIN_ADDRESS,
      env: cleanEnv({ STREAMS_LIBRARY_DEFAULT_PRESET: 'fast', STREAMS_HTTP_ALLOW_INSECURE_REMOTE: 'true' }),
    });
    bed.register(host.proc.pid!);
    const set = await api(host, 'PATCH', '/api/v1/config', { library: { runnerLeaseSeconds: 4, processOnOrigin: false } });
    expect(set.status, set.text).toBe(200);
  }, 360_000);

  afterAll(async () => {
    for (const r of runners) if (r.exitCode === null && r.signalCode === null) r.kill('SIGKILL');
    if (host) expect(await host.stop('SIGTERM')).toBe(0);
    bed?.destroy();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('two runners take ten videos in parallel, one SIGKILLed mid-job: each ready exactly once, the same outputs as a local run', async () => {
    const h = host!;
    const events = await collectEvents(h);
    const a = startRunner(h, 'runner-a', bed!.links[0]!.ns);
    const b = startRunner(h, 'runner-b', bed!.links[1]!.ns);
    await waitFor('two runners', async () => (await listRunners(h)).length === 2, 30_000);
    const started = Date.now();
    const uploads = await Promise.all(Array.from({ length: 10 }, (_, i) => tusUpload(h, clip, { filename: `part ${i + 1}.mp4` })));
    const ids = await Promise.all(uploads.map(async (u) => (await videoOfUpload(h, u)).id as string));
    // Runner A mid-job (past its download, into the encode): killed outright.
    const victim = await waitFor(
      "runner A's job under way",
      async () => (await listRunners(h)).find((r) => r.name === 'runner-a' && r.jobs.some((j: { progress: number }) => j.progress > 0.1))?.jobs[0],
      120_000,
      100,
    );
    a.proc.kill('SIGKILL');
    const ready = await waitFor(
      'ten videos ready',
      async () => {
        const videos = await Promise.all(ids.map((id) => videoById(h, id)));
        const failed = videos.find((v) => v.state === 'failed');
        if (failed) throw new Error(`failed: ${JSON.stringify(failed.error)}`);
        return videos.every((v) => v.state === 'ready') ? videos : undefined;
      },
      300_000,
      500,
    );
    const wallSec = (Date.now() - started) / 1000;
    const mediaSec = ready.reduce((sum, v) => sum + v.durationSec, 0);
    console.log(`runners: 10 videos (${mediaSec.toFixed(0)} s of media) in ${wallSec.toFixed(1)} s with 2 runners in namespaces, one killed: ${(mediaSec / wallSec).toFixed(2)} media s per wall s`);
    events.close();
    // Exactly once: one job per video, done; one change into `ready` per video on the events socket.
    for (const v of ready) {
      expect(v.job.state).toBe('done');
      const states = events.events.filter((e) => e.event === 'video.changed' && e.data.id === v.id).map((e) => e.data.video?.state as string);
      const intoReady = states.filter((state, i) => state === 'ready' && states[i - 1] !== 'ready');
      expect(intoReady, `${v.id}: ${states.join(' ')}`).toHaveLength(1);
    }
    const killedJob = ready.find((v) => v.job.id === victim.jobId)!;
    expect(killedJob.job.attempts).toBe(2);
    expect(ready.filter((v) => v.job.attempts > 1).map((v) => v.id)).toEqual([killedJob.id]);
    expect(b.proc.exitCode).toBeNull();
    expect((await listRunners(h)).map((r) => r.name)).toEqual(['runner-b']);
    // Every output plays, and is what the host would make: the same renditions and duration.
    const probe = ffprobe(`${h.url}${ready[0]!.urls.hls}`);
    expect(probe.error).toBeUndefined();
    b.proc.kill('SIGTERM');
    expect(await exitOf(b.proc)).toBe(0);
    expect(await api(h, 'PATCH', '/api/v1/config', { library: { processOnOrigin: true } })).toMatchObject({ status: 200 });
    const local = await videoOfUpload(h, await tusUpload(h, clip, { filename: 'local.mp4' }));
    const localReady = await waitFor('the local run', async () => ((await videoById(h, local.id)).state === 'ready' ? videoById(h, local.id) : undefined), 120_000, 250);
    expect(localReady.job.runner).toBeNull();
    const mine = outputsOf(h, local.id);
    for (const v of ready) {
      const theirs = outputsOf(h, v.id);
      expect(theirs.renditions).toEqual(mine.renditions);
      expect(Math.abs(theirs.durationSec - mine.durationSec)).toBeLessThan(0.1);
      expect(theirs.thumbnails).toEqual(mine.thumbnails);
    }
  }, 480_000);

});
