// Uploads of bench/soak: every `everyS` an 8 s clip (made once with ffmpeg's test sources) goes up
// over tus with test-support/tus-client.mjs (tus-js-client in its own process, as a creator's tool),
// the host makes a video of it and processes it (the host runs with library.defaultPreset fast);
// once ready its HLS master must answer, then the video is deleted (the library does not grow over the
// run). While the disk is below the floor a refused upload (507) is what the host promises.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { ROOT, sleep, track } from './live.mjs';

const READY_TIMEOUT_MS = 5 * 60_000;
let clipFile = null;

function makeClip(work) {
  if (clipFile) return clipFile;
  const file = path.join(work, 'soak-clip.mp4');
  const r = spawnSync('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=15', '-f', 'lavfi', '-i', 'sine=frequency=330:sample_rate=48000',
    '-t', '8', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k', '-shortest', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the upload clip could not be made: ${r.stderr}`);
  clipFile = file;
  return file;
}

/** One tus upload: { url } or { error }. */
function upload(host, file, storage) {
  return new Promise((resolve) => {
    const child = track(spawn(process.execPath, [path.join(ROOT, 'test-support/tus-client.mjs'), `${host.url}/api/v1/uploads`, file, storage], { env: { ...process.env, TUS_TOKEN: host.token }, stdio: ['ignore', 'pipe', 'pipe'] }));
    let last = {};
    let err = '';
    child.stderr.on('data', (d) => (err = (err + d).slice(-1000)));
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        last = JSON.parse(line);
      } catch {
        // not a status line
      }
    });
    child.once('exit', (code) => resolve(code === 0 && last.done ? { url: last.done } : { error: last.error ?? `tus client exited ${code}: ${err.trim().slice(-200)}` }));
  });
}

/** One upload of the clip (made by the loop) now: { status } of the refusal (tus-js-client's "response code"), or { done }. */
export async function uploadOnce(host) {
  if (!clipFile) return { error: 'no clip yet' };
  const up = await upload(host, clipFile, `${clipFile}.once-${Date.now()}.json`);
  if (up.url) {
    await host.api('DELETE', `/api/v1/videos/${(await host.api('GET', `/api/v1/videos?uploadId=${encodeURIComponent(up.url.split('/').pop())}`)).json?.[0]?.id ?? 'none'}`);
    return { done: true };
  }
  return { status: Number(/response code: (\d+)/.exec(up.error)?.[1] ?? NaN), error: up.error.slice(0, 200) };
}

/**
 * The loop; `stats`: { tries, ready, failed, refusedAtFloor, processingS, errors }; `sleep(ms)` wakes
 * early when the run ends (`stopped()`); `floorActive()`: the disk is below its floor now.
 */
export async function uploadLoop({ host, work, everyS, sleep: wait, stopped, floorActive, stats, say }) {
  const clip = makeClip(work);
  await wait(60_000);
  for (let n = 1; !stopped(); n++) {
    stats.tries++;
    const atFloor = floorActive();
    const up = await upload(host, clip, path.join(work, `urls-${n}.json`));
    if (up.error) {
      if (atFloor || floorActive()) stats.refusedAtFloor++;
      else {
        stats.failed++;
        stats.errors.push(`upload ${n}: ${up.error.slice(0, 200)}`);
        say(`upload ${n} failed: ${up.error.slice(0, 200)}`);
      }
    } else {
      const uploadId = up.url.split('/').pop();
      const t0 = Date.now();
      let video = null;
      while (Date.now() - t0 < READY_TIMEOUT_MS) {
        const list = (await host.api('GET', `/api/v1/videos?uploadId=${encodeURIComponent(uploadId)}`)).json;
        video = Array.isArray(list) ? list[0] : null;
        if (video && (video.state === 'ready' || video.state === 'failed')) break;
        await sleep(2000);
      }
      const playable = video?.state === 'ready' && (await fetch(`${host.url}${video.urls.hls}`).then((r) => r.status === 200).catch(() => false));
      if (playable) {
        stats.ready++;
        stats.processingS.push((Date.now() - t0) / 1000);
      } else if (video?.state === 'failed' && /DISK|SPACE|FULL/i.test(`${video.error?.code} ${video.error?.message}`) && (atFloor || floorActive())) {
        stats.refusedAtFloor++;
      } else {
        stats.failed++;
        const why = `upload ${n}: video ${video?.id ?? '(none)'} ${video?.state ?? 'not found'}${video?.error ? ` ${video.error.code}: ${video.error.message}` : ''}${video?.state === 'ready' ? ' (HLS master not served)' : ''}`;
        stats.errors.push(why);
        say(why);
      }
      if (video) await host.api('DELETE', `/api/v1/videos/${video.id}`);
    }
    await wait(everyS * 1000);
  }
}
