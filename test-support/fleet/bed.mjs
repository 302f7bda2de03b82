// A fleet test bed on one machine: a real origin (`streams host`, bound to the bed's origin address),
// a live stream with a 3-rendition ladder fed by an ffmpeg test pattern, and real edges (`streams edge`:
// nginx + agent) each in its own network namespace behind a shaped link (netns.mjs). Only the public
// CLI and HTTP API are used, so the bed follows whatever the edge and the routing become.
// Every process is started by PID and registered with the network bed, so a crash of the owner still
// gets it swept (the watchdog); `destroy()` stops everything and removes every namespace.
// Plain ESM (bench/ and tests; types in bed.d.mts). Needs root and a build (dist/).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiClient } from '../api-client.mjs';
import { cpuSeconds as cpuOf, processTree } from '../machine.mjs';
import { createNetBed, ORIGIN_ADDRESS } from './netns.mjs';

export { processTree };

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const STREAMS_BIN = path.join(ROOT, 'bin', 'streams.mjs');
export const EDGE_PORT = 8081;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** utime + stime of one process in seconds (0 when gone: a sum over processes that come and go). */
export const cpuSeconds = (pid) => cpuOf(pid) ?? 0;

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '0.0.0.0', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** Ours minus any STREAMS_* set here, but the test-run marker (scripts/test.mjs finds leftovers by it), as test-support/host-process.ts keeps it. */
function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('STREAMS_') || k === 'STREAMS_TEST_RUN') env[k] = v;
  return { ...env, ...extra };
}

/** Collects a child's output (the last 64 KB) and resolves when `pattern` appears; rejects on exit or after `timeoutMs`. */
function waitOutput(proc, pattern, timeoutMs, what) {
  let out = '';
  const onData = (d) => (out = (out + d).slice(-65536));
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  proc.output = () => out;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start in ${timeoutMs / 1000} s:\n${out}`)), timeoutMs);
    const check = () => {
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    proc.stdout?.on('data', check);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code ?? signal}) before starting:\n${out}`));
    });
  });
}

/**
 * Publisher: a test pattern of `size` (default 720p) at `fps`, x264 ultrafast at `kbps` (the ladder caps
 * every rung at the source's bitrate), 2 s GOP, mono AAC.
 */
export function publisherArgs(url, { fps = 10, kbps = 300, size = '1280x720' } = {}) {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${fps}`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', String(fps * 2), '-pix_fmt', 'yuv420p',
    '-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps}k`,
    '-c:a', 'aac', '-b:a', '32k', '-ac', '1',
    '-f', 'flv', url,
  ];
}

/**
 * Builds the bed. `edges`: [{ region, rttMs, rateMbit, loss }]; `deadlineMs`: hard limit of the whole
 * bed (the watchdog sweeps it past that); `streams`: [{ name, latency ('low' | 'standard'), ladder
 * ('standard' | 'passthrough'...), fps, kbps, size }], each with its own publisher (`stream`: one of
 * them, the first); `log(line)`: progress. Resolves once every edge is in rotation and serves every
 * stream's playlists.
 */
export async function createFleet({ edges: links, deadlineMs, stream = {}, streams = [stream], log = () => {}, workers = 1 }) {
  const net = createNetBed({ links, deadlineMs });
  const started = [];
  const bed = { net, edges: [], destroy: null };
  const destroy = async () => {
    for (const proc of started.reverse()) {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        try {
          process.kill(proc.pid, 'SIGTERM');
        } catch {
          // gone
        }
        await Promise.race([exited, sleep(5000)]);
      }
    }
    net.destroy();
  };
  bed.destroy = destroy;
  const track = (proc) => {
    started.push(proc);
    net.register(proc.pid);
    return proc;
  };
  try {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), `streams-fleet-${process.pid}-`));
    // nginx's workers (nobody) must search every folder above their cache.
    fs.chmodSync(work, 0o755);
    net.registerDir(work);

    // ---- the origin ----
    const home = path.join(work, 'home');
    const port = await freePort();
    const host = track(
      spawn(process.execPath, [STREAMS_BIN, 'host', '--home', home, '--port', String(port), '--bind', ORIGIN_ADDRESS], {
        env: cleanEnv({ STREAMS_HTTP_ALLOW_INSECURE_REMOTE: 'true', STREAMS_RTMP_PORT: String(await freePort()), STREAMS_SRT_PORT: String(await freePort()) }),
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    await waitOutput(host, /Sign in:/, 30_000, 'streams host');
    const token = fs.readFileSync(path.join(home, 'api-token'), 'utf8').trim();
    const url = `http://${ORIGIN_ADDRESS}:${port}`;
    const api = apiClient(url, token, { timeoutMs: 20_000 });
    // CPU seconds of the origin with its children (the packagers' ffmpeg): what the simulated viewers' stream costs.
    const cpu = () => processTree(host.pid).reduce((a, pid) => a + cpuSeconds(pid), 0);
    bed.host = { proc: host, pid: host.pid, url, port, token, api, home, cpu };
    log(`origin ${url} (pid ${host.pid})`);

    // ---- the streams and their publishers ----
    bed.streams = [];
    for (const [i, spec] of streams.entries()) {
      const name = spec.name ?? (i === 0 ? 'fleet' : `fleet-${i + 1}`);
      const created = await api('POST', '/api/v1/streams', { name, ladder: spec.ladder ?? 'standard', ...(spec.latency ? { latency: spec.latency } : {}) });
      if (created.status !== 201) throw new Error(`POST /api/v1/streams -> ${created.status}: ${created.text}`);
      const publisher = track(spawn('ffmpeg', publisherArgs(`${created.json.ingest.rtmp}/${created.json.key}`, spec), { stdio: ['ignore', 'ignore', 'pipe'] }));
      let pubErr = '';
      publisher.stderr.on('data', (d) => (pubErr = (pubErr + d).slice(-4000)));
      bed.streams.push({
        name,
        latency: created.json.latency,
        ladder: created.json.ladder,
        publisher,
        publisherErrors: () => pubErr,
        playbackUrl: `${url}/api/v1/cdn/streams/${name}/playback`,
      });
    }
    bed.stream = bed.streams[0];
    /** CPU seconds of every publisher so far (the test pattern's encoders: the bed's, not the fleet's). */
    bed.publishersCpu = () => bed.streams.reduce((a, st) => a + cpuSeconds(st.publisher.pid), 0);
    bed.playbackUrl = bed.stream.playbackUrl;

    // ---- the edges, one per namespace ----
    for (const [i, link] of net.links.entries()) {
      const dir = path.join(work, `edge-${i + 1}`);
      const region = links[i].region ?? `r${i + 1}`;
      const [cmd, args] = net.exec(link.ns, [
        process.execPath, STREAMS_BIN, 'edge', '--origin', url, `--token=${token}`, '--port', String(EDGE_PORT), '--bind', link.edgeAddress,
        '--dir', dir, '--workers', String(workers), '--heartbeat-ms', '1000', '--region', region, '--cache-size', '256m',
      ]);
      const proc = track(spawn(cmd, args, { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] }));
      const m = await waitOutput(proc, /Streams edge (\S+) serving (\S+)/, 30_000, `edge ${i + 1}`);
      const edge = {
        index: i,
        id: m[1],
        url: m[2],
        region,
        link,
        proc,
        pid: proc.pid,
        dir,
        /** PIDs of the edge's processes (agent, nginx master and workers): everything in its namespace. */
        pids: () => net.pidsIn(link.ns),
        /** CPU seconds of those processes so far. */
        cpu: () => net.pidsIn(link.ns).reduce((a, pid) => a + cpuSeconds(pid), 0),
        /** SIGKILL of nginx and the agent, by PID. */
        kill() {
          for (const pid of net.pidsIn(link.ns)) {
            try {
              process.kill(pid, 'SIGKILL');
            } catch {
              // gone
            }
          }
        },
        async metrics() {
          const text = await (await fetch(`${edge.url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
          const value = (n) => Number(new RegExp(`^${n}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text)?.[1] ?? NaN);
          return { requests: value('edge_requests_total'), hits: value('edge_cache_hits_total'), originFetches: value('edge_origin_fetches_total') };
        },
      };
      bed.edges.push(edge);
      log(`edge ${i + 1} ${edge.id} ${edge.url} in ${link.ns} (region ${region}, ${link.rttMs} ms, ${link.rateMbit} Mbit/s, loss ${link.loss * 100} %)`);
    }

    // ---- ready: every edge in rotation, the stream's playlists served through each ----
    const deadline = Date.now() + 60_000;
    for (;;) {
      const listed = (await api('GET', '/api/v1/cdn/edges')).json ?? [];
      const healthy = new Set(listed.filter((e) => e.healthy).map((e) => e.id));
      if (bed.edges.every((e) => healthy.has(e.id))) break;
      if (Date.now() > deadline) throw new Error(`edges not in rotation in 60 s: ${JSON.stringify(listed)}`);
      await sleep(200);
    }
    for (const edge of bed.edges) {
      for (const { name, publisherErrors } of bed.streams) {
        for (;;) {
          const res = await fetch(`${edge.url}/live/${name}/index.m3u8`).catch(() => null);
          const text = res ? await res.text() : '';
          if (res?.ok && text.includes('#EXT-X-STREAM-INF')) {
            const media = /^(v0\.m3u8[^\s]*)$/m.exec(text)?.[1];
            const m = media ? await fetch(`${edge.url}/live/${name}/${media}`).catch(() => null) : null;
            if (m?.ok && ((await m.text()).match(/#EXTINF/g)?.length ?? 0) >= 3) break;
          }
          if (Date.now() > deadline) throw new Error(`stream ${name} is not served through edge ${edge.index + 1} in 60 s (publisher: ${publisherErrors()})`);
          await sleep(500);
        }
      }
    }
    bed.cutOrigin = () => net.cutOrigin(port);
    bed.restoreOrigin = () => net.restoreOrigin(port);
    /** POST /api/v1/cdn/purge: { status, seq, propagatedMs, edges }. */
    bed.purge = async (body) => {
      const res = await api('POST', '/api/v1/cdn/purge', body);
      return { status: res.status, seq: res.json?.seq ?? null, propagatedMs: res.json?.propagatedMs ?? null, edges: res.json?.edges ?? [], text: res.text };
    };
    return bed;
  } catch (error) {
    await destroy();
    throw error;
  }
}
