// The edges' autoscaling against a real host, a real sshd on loopback, real edges (nginx and the agent)
// provisioned through it, and a provider command of our own (test-support/scaling-provider.mjs: a
// "machine" is a folder the edge is installed under, with its own HTTP port and region). The minimum
// brings the first edge; traffic through it past the target brings a second; simulated viewers (the
// fleet test bed's, which follow the player page's rule) play from both; with the target raised, the
// edge that carries least is drained: its viewers leave it when the playback order no longer lists it
// (no error), then it is decommissioned and its machine destroyed. Every decision is an event, an
// audit entry and in GET /scaling with its reason.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ViewerSim } from '../../test-support/fleet/viewers.mjs';
import { api, startHost, type HostProcess } from '../../test-support/host-process.js';
import { publishTestPattern } from '../../test-support/media.js';
import { needs } from '../../test-support/peers.js';
import { stopProvisioned } from '../../test-support/provisioned.js';
import { startSshd, type SshdProcess } from '../../test-support/sshd.mjs';
import { sleep, waitFor } from '../../test-support/wait.js';

const PROVIDER = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'test-support', 'scaling-provider.mjs');

type Decision = { role: string; action: string; member: string | null; reason: string; at: number };

describe.skipIf(needs('sshd', 'nginx', 'ffmpeg'))('the edges autoscaler', () => {
  let host: HostProcess;
  let sshd: SshdProcess;
  let publisher: ChildProcess | undefined;
  let sim: ViewerSim | undefined;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-autoscaler-'));
  const machines = path.join(work, 'machines');

  beforeAll(async () => {
    fs.mkdirSync(machines, { recursive: true });
    fs.chmodSync(work, 0o755);
    fs.chmodSync(machines, 0o755);
    [host, sshd] = await Promise.all([startHost(), startSshd()]);
    const created = await api(host, 'POST', '/api/v1/streams', { name: 'show', ladder: 'passthrough' });
    expect(created.status, created.text).toBe(201);
    publisher = publishTestPattern(`rtmp://127.0.0.1:${host.rtmpPort}/live/${created.json.key}`, { size: '320x180' });
  }, 60_000);

  afterAll(async () => {
    await sim?.stop();
    publisher?.kill('SIGKILL');
    // Edges left behind by a failed run: their supervisor by the pid file of every machine folder.
    for (const entry of fs.existsSync(machines) ? fs.readdirSync(machines) : []) stopProvisioned(path.join(machines, entry), 'SIGKILL', 'edge');
    await host?.stop();
    await sshd?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  const status = async (): Promise<Record<string, any>> => (await api(host, 'GET', '/api/v1/scaling')).json;
  const decisions = async (): Promise<Decision[]> => ((await status()).decisions as Decision[]).filter((d) => d.role === 'edge');
  const decided = (what: string, match: (d: Decision) => boolean, timeoutMs: number) => waitFor(what, async () => (await decisions()).find(match), timeoutMs, 500);
  const calls = (): string[] => (fs.existsSync(path.join(machines, 'calls.log')) ? fs.readFileSync(path.join(machines, 'calls.log'), 'utf8').trim().split('\n') : []);
  const edges = async (): Promise<Record<string, any>[]> => (await api(host, 'GET', '/api/v1/cdn/edges')).json as unknown as Record<string, any>[];

  it('adds edges for the minimum and for traffic past the target, and drains and removes one its viewers left, with no viewer error', { timeout: 420_000 }, async () => {
    const set = await api(host, 'PATCH', '/api/v1/config', {
      scaling: {
        edges: true, edgesMin: 1, edgesMax: 2, edgeTargetMbps: 1, edgeDrainSeconds: 240, cooldownSeconds: 1,
        sshKeyFile: sshd.keyFile, origin: host.url,
        providerCommand: `${process.execPath} ${PROVIDER} --dir ${machines} --port ${sshd.port} --user ${sshd.user} --regions a,b`,
      },
    });
    expect(set.status, set.text).toBe(200);

    // The minimum: one edge, from the provider, provisioned over SSH, in rotation.
    const first = await decided('the first edge added', (d) => d.action === 'add', 30_000);
    expect(first.reason).toBe('0 edges in rotation, below the minimum of 1');
    const firstReady = await decided('the first edge ready', (d) => d.action === 'ready' && d.member === first.member, 150_000);
    const [edgeA] = await edges();
    expect(edgeA).toMatchObject({ region: 'a', healthy: true, draining: null });
    expect(firstReady.reason).toBe(`edge ${edgeA!.id} (${first.member}) in rotation from ${sshd.user}@127.0.0.1:${sshd.port}`);
    expect((await status()).members).toEqual([expect.objectContaining({ role: 'edge', name: first.member, state: 'ready', edgeId: edgeA!.id, source: 'provider' })]);

    // Traffic through it past 1 Mbit/s per core over the last minute: the media it serves, many times (cache hits count).
    const playlist = await waitFor('the stream through the edge', async () => {
      const res = await fetch(`${edgeA!.url}/live/show/index.m3u8`);
      const text = await res.text();
      return res.ok && text.includes('#EXT-X-STREAM-INF') ? text : undefined;
    }, 60_000, 500);
    const media = await waitFor('a media playlist with segments', async () => {
      const variant = playlist.split('\n').find((l) => l && !l.startsWith('#'))!;
      const url = new URL(variant, `${edgeA!.url}/live/show/index.m3u8`);
      const text = await (await fetch(url)).text();
      const segment = text.split('\n').filter((l) => l && !l.startsWith('#')).at(-1);
      return segment ? new URL(segment, url).href : undefined;
    }, 30_000, 500);
    const cores = (await edges())[0]!.stats?.cores ?? os.cpus().length;
    let sent = 0;
    while (sent < cores * 12e6) sent += (await (await fetch(media)).arrayBuffer()).byteLength;
    const second = await decided('a second edge added for the traffic', (d) => d.action === 'add' && d.member !== first.member, 60_000);
    expect(second.reason).toMatch(/^[\d.]+ Mbit\/s on 1 edge \(\d+ cores?\), [\d.]+ Mbit\/s per core, at or above the target of 1\.0 Mbit\/s$/);
    await decided('the second edge ready', (d) => d.action === 'ready' && d.member === second.member, 150_000);
    const edgeB = (await edges()).find((e) => e.region === 'b')!;
    expect(edgeB).toMatchObject({ healthy: true, draining: null });
    // At the maximum: no third, and it says so while the traffic stays.
    expect(calls().filter((c) => c.startsWith('create'))).toEqual([`create edge ${first.member}`, `create edge ${second.member}`]);

    // Viewers on both (the region hint picks the edge): three on a, two on b.
    sim = new ViewerSim({ playbackUrl: `${host.url}/api/v1/cdn/streams/show/playback`, token: host.token, regions: ['a', 'b', 'a', 'b', 'a'] });
    await sim.add(5, { rampMs: 1000 });
    await waitFor('every viewer playing', async () => sim!.viewers.every((v) => v.startupMs !== null), 30_000, 250);
    const onB = sim.viewers.filter((v) => v.edge?.id === edgeB.id);
    expect(onB.length).toBe(2);

    // The target raised: the edge that carries least (b: two viewers, no burst) is drained; its viewers leave it.
    expect((await api(host, 'PATCH', '/api/v1/config', { scaling: { edgeTargetMbps: 100 } })).status).toBe(200);
    const remove = await decided('an edge drained', (d) => d.action === 'remove', 30_000);
    expect(remove.member).toBe(second.member);
    expect(remove.reason).toMatch(new RegExp(`; without ${second.member} [\\d.]+ Mbit/s per core, below half the target of 100 Mbit/s$`));
    await waitFor('the drained edge out of the playback order', async () => (await edges()).find((e) => e.id === edgeB.id)?.draining === 'autoscaler', 10_000, 250);
    await waitFor("b's viewers moved to a", async () => onB.every((v) => v.edge?.id === edgeA!.id), 45_000, 500);
    const removed = await decided('the drained edge removed', (d) => d.action === 'removed' && d.member === second.member, 150_000);
    expect(removed.reason).toMatch(new RegExp(`^${second.member} drained \\(\\d+ requests? in the last minute\\), decommissioned and its machine destroyed$`));
    expect(calls()).toEqual([`create edge ${first.member}`, `create edge ${second.member}`, `destroy ${second.member}`]);
    expect((await edges()).map((e) => e.id)).toEqual([edgeA!.id]);
    expect(fs.existsSync(path.join(machines, `machine-${second.member}`))).toBe(false);

    // No viewer error, and they play on.
    const played = sim.viewers.map((v) => v.playedMs);
    await sleep(3000);
    for (const v of sim.viewers) v.tick();
    expect(sim.phase.errors, sim.phase.samples.join('\n')).toBe(0);
    expect(sim.phase.drainMoves).toBe(2);
    expect(sim.viewers.filter((v) => v.fatal !== null)).toEqual([]);
    expect(sim.viewers.every((v, i) => v.playedMs > played[i]!)).toBe(true);

    // The last edge stays (the scaler weighs edge traffic: with none in rotation it would see none), and the audit has each decision.
    const final = await status();
    expect(final.members.map((m: { name: string }) => m.name)).toEqual([first.member]);
    expect(final.samples.some((s: { edges: number }) => s.edges === 2)).toBe(true);
    const audit = (await api(host, 'GET', '/api/v1/audit?action=scaling.removed')).json;
    expect(audit.entries[0]).toMatchObject({ actor: 'system', action: 'scaling.removed', target: second.member, result: 'ok', detail: removed.reason });
  });
});
