// The publishers of bench/soak and their returns. A publisher is one process at a time: ffmpeg over
// RTMP or SRT (a test pattern, x264 ultrafast, 2 s GOP, AAC), or the WHIP child
// (bench/lib/soak-whip-publisher.mjs). `drop(signal)` ends it by PID (SIGKILL: it vanishes, as on a
// network cut or a crash; SIGTERM: it stops cleanly) and `start()` brings it back. A process that exits
// on its own (a refused publish, a dropped connection) is started again after RETRY_MS, as an encoder
// reconnects. Every run is kept ({ startAt, endAt, end }) for the recording checks.
// A return is timed from the restart to the first new segment or part in the stream's media playlist
// (`returnWatch`); the WHEP side of the WHIP stream is timed by the WHEP child.
import { fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { publisherArgs, sleep, stopProcess, track } from './live.mjs';
import { sessionIdsOf } from './soak-stats.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const RETRY_MS = 1000;
/** Every ffmpeg a WHIP child reported: it is not our child, so `stopStrays` ends any left by PID. */
const whipFfmpegs = new Set();

/** Ends (SIGKILL, by PID) every WHIP child's ffmpeg still running: one whose child died before it could stop it. */
export function stopStrays() {
  for (const pid of whipFfmpegs) {
    // Only if that PID is still an ffmpeg sending RTP (a PID may be reused).
    let cmd;
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      whipFfmpegs.delete(pid);
      continue;
    }
    if (!cmd.includes('ffmpeg') || !cmd.includes('rtp://127.0.0.1:')) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
    whipFfmpegs.delete(pid);
  }
}
process.once('exit', stopStrays);
/** A return not seen within this long is reported as never playing again. */
export const RETURN_TIMEOUT_MS = 60_000;

/** ffmpeg arguments: the bench's test pattern at `kbps`, to an RTMP URL (FLV) or an SRT URL (MPEG-TS). */
export function ffmpegPublisherArgs(url, { size, fps, kbps }) {
  const args = publisherArgs(url, { size, fps });
  args.splice(args.indexOf('-pix_fmt'), 0, '-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps * 2}k`);
  args[args.indexOf('-b:a') + 1] = '64k';
  if (url.startsWith('srt:')) args[args.lastIndexOf('-f') + 1] = 'mpegts';
  return args;
}

/**
 * One stream's publisher. `spec`: { name, protocol: 'rtmp' | 'srt' | 'whip', url, key, size, fps, kbps };
 * `events`: { exited(publisher, run, detail), refused(publisher, detail), whip(publisher, msg) }.
 */
export function streamPublisher(spec, events) {
  const p = {
    ...spec,
    proc: null,
    /** The WHIP child's ffmpeg, stopped by PID with it. */
    ffmpegPid: null,
    runs: [],
    wanted: false,
    refusals: 0,
    get up() {
      return p.proc !== null;
    },
    start() {
      p.wanted = true;
      const run = { startAt: Date.now(), endAt: null, end: null };
      p.runs.push(run);
      let err = '';
      const proc =
        spec.protocol === 'whip'
          ? track(fork(path.join(here, 'soak-whip-publisher.mjs'), [JSON.stringify({ url: spec.url, key: spec.key, size: spec.size, fps: spec.fps, kbps: spec.kbps })], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] }))
          : track(spawn('ffmpeg', ffmpegPublisherArgs(spec.url, spec), { stdio: ['ignore', 'ignore', 'pipe'] }));
      proc.stderr.on('data', (d) => (err = (err + d).slice(-2000)));
      if (spec.protocol === 'whip') {
        proc.on('message', (msg) => {
          if (msg.type === 'ffmpeg') {
            p.ffmpegPid = msg.pid;
            whipFfmpegs.add(msg.pid);
          }
          else if (msg.type === 'refused') {
            p.refusals++;
            events.refused(p, `WHIP ${msg.status} ${msg.code}`.trim());
          } else events.whip(p, msg);
        });
      }
      p.proc = proc;
      proc.once('exit', (code, signal) => {
        if (p.proc !== proc) return;
        p.proc = null;
        run.endAt = Date.now();
        run.end = 'exit';
        p.killFfmpeg();
        const detail = `${spec.protocol} publisher exited (${code ?? signal})${err ? `: ${err.trim().split('\n').at(-1).slice(0, 120)}` : ''}`;
        events.exited(p, run, detail);
        if (p.wanted) setTimeout(() => p.wanted && !p.proc && p.start(), RETRY_MS);
      });
      return run;
    },
    /** Ends the current run with `signal`; resolves once the process is gone. */
    async drop(signal) {
      p.wanted = false;
      const proc = p.proc;
      if (!proc) return;
      p.proc = null;
      const run = p.runs.at(-1);
      run.endAt = Date.now();
      run.end = signal === 'SIGKILL' ? 'kill' : 'term';
      if (signal === 'SIGKILL') p.killFfmpeg();
      await stopProcess(proc, signal, 5000);
      p.killFfmpeg();
    },
    killFfmpeg() {
      if (p.ffmpegPid === null) return;
      try {
        process.kill(p.ffmpegPid, 'SIGKILL');
      } catch {
        // gone
      }
      p.ffmpegPid = null;
    },
  };
  return p;
}

/** The media URIs of a playlist (segments and parts; not the init section or a preload hint). */
export function mediaUris(playlist) {
  const uris = [];
  for (const line of playlist.split('\n')) {
    const l = line.trim();
    if (l.startsWith('#EXT-X-PART:')) {
      const uri = /URI="([^"]+)"/.exec(l)?.[1];
      if (uri) uris.push(uri.split('?')[0]);
    } else if (l !== '' && !l.startsWith('#')) uris.push(l.split('?')[0]);
  }
  return uris;
}

/** The media playlist of a stream (its first rendition) as the host serves it: { status, text }. */
export async function mediaPlaylist(hostUrl, name, sid) {
  try {
    const res = await fetch(`${hostUrl}/live/${name}/v0.m3u8?sid=${sid}`, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, text: await res.text() };
  } catch (error) {
    return { status: 0, text: String(error?.cause?.code ?? error?.name ?? error) };
  }
}

/**
 * Resolves with the seconds from `restartAt` to the first media URI (segment or part) of the stream's
 * media playlist from a session it did not list when the watch began (every publish is a new session;
 * the previous one may still get its last part when the host notices late that its publisher is gone);
 * NaN after RETURN_TIMEOUT_MS.
 */
export async function returnWatch(hostUrl, name, sid, restartAt) {
  const before = await mediaPlaylist(hostUrl, name, sid);
  const known = new Set(mediaUris(before.text));
  const knownSessions = new Set(sessionIdsOf(before.text));
  while (Date.now() - restartAt < RETURN_TIMEOUT_MS) {
    const { status, text } = await mediaPlaylist(hostUrl, name, sid);
    if (status === 200) {
      const fresh = mediaUris(text).filter((u) => !known.has(u));
      if (fresh.some((u) => !knownSessions.has(sessionIdsOf(u)[0]))) return (Date.now() - restartAt) / 1000;
    }
    await sleep(100);
  }
  return NaN;
}
