// The live server end to end without a browser: a real host, ffmpeg publishing over RTMP, ffprobe
// reading what we serve, the state machine driven by real process deaths.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHost, type HostProcess } from '../../test-support/host-process.js';
import { childPids, collectEvents, exitOf, ffprobe, pidsMatching, publishTestPattern } from '../../test-support/media.js';
import { sleep, waitFor } from '../../test-support/wait.js';

describe('live server: RTMP in, HLS and DASH out', () => {
  let host: HostProcess;
  let events: Awaited<ReturnType<typeof collectEvents>>;
  beforeAll(async () => {
    host = await startHost();
    events = await collectEvents(host);
  });
  afterAll(async () => {
    events?.close();
    expect(await host?.stop('SIGTERM')).toBe(0);
    expect(pidsMatching(`${host.home}/live`)).toEqual([]);
  });

  it('validates stream names and refuses duplicates, changing nothing', async () => {
    const bad = await api(host, 'POST', '/api/v1/streams', { name: 'Bad Name!' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('VALIDATION_FAILED');
    expect(bad.json.error.details.fields[0].path).toBe('name');
    const long = await api(host, 'POST', '/api/v1/streams', { name: 'a'.repeat(65) });
    expect(long.status).toBe(400);
    const created = await api(host, 'POST', '/api/v1/streams', { name: 'dup', ladder: 'passthrough' });
    expect(created.status).toBe(201);
    const again = await api(host, 'POST', '/api/v1/streams', { name: 'dup' });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('CONFLICT');
    expect((await api(host, 'GET', '/api/v1/streams')).json.map((s: { name: string }) => s.name)).toEqual(['dup']);
    expect((await api(host, 'GET', '/api/v1/streams/nope')).status).toBe(404);
    expect((await api(host, 'DELETE', '/api/v1/streams/dup')).status).toBe(200);
  });

  it('publishes over RTMP and serves an adaptive ladder as HLS and DASH that ffprobe reads', async () => {
    const created = await api(host, 'POST', '/api/v1/streams', { name: 'show', ladder: 'standard' });
    expect(created.status).toBe(201);
    const { key, playback, ingest } = created.json;
    expect(ingest.obsServer).toBe(`rtmp://127.0.0.1:${host.rtmpPort}/live`);
    expect(playback.hls).toBe(`${host.url}/live/show/index.m3u8`);
    const publisher = publishTestPattern(`${ingest.rtmp}/${key}`);
    try {
      await waitFor('live', () => events.events.find((e) => e.event === 'stream.state' && e.data.name === 'show' && e.data.state === 'live'), 5000);
      const master = await waitFor('the master playlist', async () => {
        const res = await fetch(playback.hls);
        return res.status === 200 ? res.text() : undefined;
      }, 30_000);
      expect(master).toMatch(/^#EXTM3U/);
      // Every media playlist the master names (renditions and audio) has a first segment before we probe.
      const variants = [...master.matchAll(/^(v\d+\.m3u8)|URI="(v\d+\.m3u8)/gm)].map((m) => (m[1] ?? m[2])!);
      expect(variants.length).toBeGreaterThanOrEqual(4);
      await waitFor('a segment in every media playlist', async () => {
        for (const variant of variants) {
          const res = await fetch(`${host.url}/live/show/${variant.split('?')[0]}`);
          if (res.status !== 200 || !(await res.text()).includes('#EXTINF')) return undefined;
        }
        return true;
      }, 30_000);
      const probe = ffprobe(playback.hls);
      expect(probe.error).toBeUndefined();
      const heights = [...new Set(probe.streams.filter((s) => s.codec_type === 'video').map((s) => s.height))].sort((a, b) => a! - b!);
      expect(heights.length).toBeGreaterThanOrEqual(3);
      expect(heights).toContain(360);
      expect(heights).toContain(720);
      expect(Math.max(...(heights as number[]))).toBeLessThanOrEqual(720); // never upscaled
      expect(probe.streams.some((s) => s.codec_type === 'audio' && s.codec_name === 'aac')).toBe(true);

      const mpd = await fetch(playback.dash);
      expect(mpd.status).toBe(200);
      expect(mpd.headers.get('content-type')).toContain('application/dash+xml');
      const xml = await mpd.text();
      expect(xml).toContain('type="dynamic"');
      expect(xml.match(/<AdaptationSet/g)?.length).toBe(2);
      // ffprobe's DASH demuxer picks its first segment by the wall clock: when the packager runs behind
      // under load, the segment it asks for is not there yet and it waits. Tried three times, 12 s each.
      let dashProbe = ffprobe(playback.dash, 12_000);
      for (let attempt = 1; attempt < 3 && dashProbe.error !== undefined; attempt++) {
        await sleep(1000);
        dashProbe = ffprobe(playback.dash, 12_000);
      }
      expect(dashProbe.error).toBeUndefined();
      expect(dashProbe.streams.filter((s) => s.codec_type === 'video').length).toBeGreaterThanOrEqual(3);

      const stream = (await api(host, 'GET', '/api/v1/streams/show')).json;
      expect(stream.state).toBe('live');
      expect(stream.live.tracks.video).toMatchObject({ codec: 'h264', width: 1280, height: 720 });
      expect(stream.live.renditions.length).toBeGreaterThanOrEqual(3);
      expect(stream.live.bitrateInKbps).toBeGreaterThan(0);
      expect(events.events.some((e) => e.event === 'stream.stats' && e.data.name === 'show')).toBe(true);
    } finally {
      publisher.kill('SIGKILL');
      await exitOf(publisher);
    }
    const ended = await waitFor(
      'ended within 2 s',
      () => events.events.find((e) => e.event === 'stream.state' && e.data.name === 'show' && e.data.state === 'ended'),
      2000,
    );
    expect(ended.data.reason).toMatch(/disconnect/);
    // A dropped publisher (killed here) may reconnect: low-latency playlists stay open 15 s for it.
    await waitFor('ENDLIST', async () => ((await (await fetch(`${host.url}/live/show/v0.m3u8`)).text()).includes('#EXT-X-ENDLIST') ? true : undefined), 20_000, 500);
  });

  it('publishes over SRT (MPEG-TS) to the same stream and serves it as HLS', async () => {
    const created = (await api(host, 'POST', '/api/v1/streams', { name: 'srt-show', ladder: 'passthrough' })).json;
    expect(created.publishUrls.srt).toBe(`srt://127.0.0.1:${host.srtPort}?streamid=publish:${created.key}`);
    const publisher = publishTestPattern(`${created.publishUrls.srt}&latency=200000&pkt_size=1316`, { size: '640x360', format: 'mpegts' });
    try {
      await waitFor('live over SRT', () => events.events.find((e) => e.event === 'stream.state' && e.data.name === 'srt-show' && e.data.state === 'live'), 10_000);
      await waitFor('segments', async () => {
        const t = await (await fetch(`${host.url}/live/srt-show/v0.m3u8`)).text();
        return t.split('#EXTINF').length > 2 ? true : undefined;
      }, 30_000);
      const probe = ffprobe(`${host.url}/live/srt-show/index.m3u8`);
      expect(probe.error).toBeUndefined();
      expect(probe.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
      const stream = (await api(host, 'GET', '/api/v1/streams/srt-show')).json;
      expect(stream.live.publisher.protocol).toBe('srt');
    } finally {
      publisher.kill('SIGKILL');
      await exitOf(publisher);
    }
    // A vanished SRT caller sends nothing more: it is dropped after the 5 s peer timeout.
    await waitFor('ended', () => events.events.find((e) => e.event === 'stream.state' && e.data.name === 'srt-show' && e.data.state === 'ended'), 8000);
    const wrong = publishTestPattern(`srt://127.0.0.1:${host.srtPort}?streamid=publish:sk_wrong`, { size: '640x360', format: 'mpegts', seconds: 20 });
    expect(await exitOf(wrong)).not.toBe(0);
  });

  it('refuses a wrong key at connect: ffmpeg fails fast and nothing goes live', async () => {
    const started = Date.now();
    const publisher = publishTestPattern(`rtmp://127.0.0.1:${host.rtmpPort}/live/sk_wrong`, { seconds: 20 });
    expect(await exitOf(publisher)).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    const streams = (await api(host, 'GET', '/api/v1/streams')).json as { state: string }[];
    expect(streams.every((s) => s.state !== 'live')).toBe(true);
  });

  it('goes to error within 5 s when the packager dies 3 times, with ENDLIST; a returning publisher resumes the same URLs', async () => {
    const created = (await api(host, 'POST', '/api/v1/streams', { name: 'crashy', ladder: 'passthrough' })).json;
    const url = `${created.ingest.rtmp}/${created.key}`;
    let publisher = publishTestPattern(url, { size: '640x360' });
    try {
      // A first complete segment, so that the restarted session's playlist has one to continue from.
      await waitFor('playlist', async () => ((await (await fetch(`${host.url}/live/crashy/v0.m3u8`)).text()).includes('#EXTINF') ? true : undefined), 30_000);
      // The packager: the host's ffmpeg reading FLV on stdin (RTMP publishers feed it; no other ffmpeg runs here).
      const packagers = (): number[] => childPids(host.proc.pid!, 'flv -i pipe:0');
      let kills = 0;
      let lastKillAt = 0;
      while (kills < 3) {
        const pids = await waitFor('a packager process', () => {
          const p = packagers();
          return p.length > 0 ? p : undefined;
        }, 10_000);
        for (const pid of pids) process.kill(pid, 'SIGKILL');
        lastKillAt = Date.now();
        kills++;
        await sleep(300);
        if (events.events.some((e) => e.event === 'stream.state' && e.data.name === 'crashy' && e.data.state === 'error')) break;
      }
      const error = await waitFor(
        'error state',
        () => events.events.find((e) => e.event === 'stream.state' && e.data.name === 'crashy' && e.data.state === 'error'),
        15_000,
      );
      expect(kills).toBe(3);
      expect(error.at - lastKillAt).toBeLessThan(5000);
      expect(error.data.reason).toMatch(/packager/);
      const text = await (await fetch(`${host.url}/live/crashy/v0.m3u8`)).text();
      expect(text).toContain('#EXT-X-ENDLIST');

      // The publisher comes back: same playback URL, continued with a discontinuity.
      publisher.kill('SIGKILL');
      await exitOf(publisher);
      // An error stays an error when the publisher leaves; the studio has let go of the session once `live` is gone.
      await waitFor('the session released', async () => ((await api(host, 'GET', '/api/v1/streams/crashy')).json.live === null ? true : undefined), 5000);
      publisher = publishTestPattern(url, { size: '640x360' });
      await waitFor(
        'live again',
        () => events.events.filter((e) => e.event === 'stream.state' && e.data.name === 'crashy' && e.data.state === 'live').length >= 2 || undefined,
        5000,
      );
      const resumed = await waitFor('resumed playlist', async () => {
        const t = await (await fetch(`${host.url}/live/crashy/v0.m3u8`)).text();
        return t.includes('#EXT-X-DISCONTINUITY\n') && !t.includes('#EXT-X-ENDLIST') && t.split('#EXTINF').length > 2 ? t : undefined;
      }, 30_000);
      expect(resumed).toMatch(/#EXT-X-DISCONTINUITY-SEQUENCE:\d+/);
    } finally {
      publisher.kill('SIGKILL');
      await exitOf(publisher);
    }
  });

  it('rotating the key disconnects the publisher and refuses the old key; deleting kicks and forgets', async () => {
    const created = (await api(host, 'POST', '/api/v1/streams', { name: 'rotate', ladder: 'passthrough' })).json;
    const publisher = publishTestPattern(`${created.ingest.rtmp}/${created.key}`, { size: '640x360' });
    await waitFor('live', () => events.events.find((e) => e.event === 'stream.state' && e.data.name === 'rotate' && e.data.state === 'live'), 5000);
    const rotated = await api(host, 'POST', '/api/v1/streams/rotate/rotate-key');
    expect(rotated.status).toBe(200);
    expect(rotated.json.key).not.toBe(created.key);
    await exitOf(publisher);
    const old = publishTestPattern(`${created.ingest.rtmp}/${created.key}`, { size: '640x360', seconds: 20 });
    expect(await exitOf(old)).not.toBe(0);
    const fresh = publishTestPattern(`${created.ingest.rtmp}/${rotated.json.key}`, { size: '640x360' });
    await waitFor(
      'live with the new key',
      () => events.events.filter((e) => e.event === 'stream.state' && e.data.name === 'rotate' && e.data.state === 'live').length >= 2 || undefined,
      5000,
    );
    expect((await api(host, 'DELETE', '/api/v1/streams/rotate')).status).toBe(200);
    await exitOf(fresh);
    expect((await fetch(`${host.url}/live/rotate/index.m3u8`)).status).toBe(404);
    expect(events.events.some((e) => e.event === 'streams.changed' && e.data.name === 'rotate' && e.data.stream === null)).toBe(true);
  });

  it('serves 200 concurrent HLS viewers on loopback with zero errors and counts them', async () => {
    const created = (await api(host, 'POST', '/api/v1/streams', { name: 'crowd', ladder: 'passthrough' })).json;
    const publisher = publishTestPattern(`${created.ingest.rtmp}/${created.key}`, { size: '640x360' });
    try {
      await waitFor('segments', async () => {
        const t = await (await fetch(`${host.url}/live/crowd/v0.m3u8`)).text();
        return t.split('#EXTINF').length > 2 ? true : undefined;
      }, 30_000);
      // The readiness probe above counts as one viewer of its own: measure from here.
      const baseline = (await api(host, 'GET', '/api/v1/streams/crowd/viewers')).json.viewers as number;
      const VIEWERS = 200;
      let errors = 0;
      let segments = 0;
      const viewer = async (): Promise<void> => {
        const master = await fetch(`${host.url}/live/crowd/index.m3u8`);
        if (master.status !== 200) return void errors++;
        const variant = (await master.text()).split('\n').find((l) => l.startsWith('v') && l.includes('.m3u8'));
        if (!variant) return void errors++;
        const until = Date.now() + 8000;
        const seen = new Set<string>();
        while (Date.now() < until) {
          const res = await fetch(`${host.url}/live/crowd/${variant}`);
          if (res.status !== 200) errors++;
          const uris = (await res.text()).split('\n').filter((l) => l && !l.startsWith('#'));
          for (const uri of uris.slice(-2)) {
            if (seen.has(uri)) continue;
            seen.add(uri);
            const seg = await fetch(`${host.url}/live/crowd/${uri}`);
            if (seg.status !== 200) errors++;
            await seg.arrayBuffer();
            segments++;
          }
          await sleep(1000);
        }
      };
      const running = Array.from({ length: VIEWERS }, viewer);
      const during = await waitFor('every viewer counted', async () => {
        const now = (await api(host, 'GET', '/api/v1/streams/crowd/viewers')).json;
        return now.viewers - baseline >= VIEWERS ? now : undefined;
      }, 8000);
      await Promise.all(running);
      expect(errors).toBe(0);
      expect(segments).toBeGreaterThanOrEqual(VIEWERS * 2);
      expect(during.viewers - baseline).toBe(VIEWERS);
      expect(during.byProtocol.hls - baseline).toBe(VIEWERS);
      expect(during.bytesOut).toBeGreaterThan(0);
      const metrics = (await api(host, 'GET', '/metrics')).text;
      expect(metrics).toMatch(/^streams_stream_viewers\{stream="crowd"\} \d+/m);
      expect(metrics).toMatch(/^streams_stream_state\{stream="crowd",state="live"\} 1/m);
    } finally {
      publisher.kill('SIGKILL');
      await exitOf(publisher);
    }
  });

  it('relays a live stream over SRT and over RTMP to other streams of the same studio (SRT refused up front by an ffmpeg without it)', async () => {
    const ffmpeg = (await api(host, 'GET', '/api/v1/system/ffmpeg')).json;
    const canSrt = ffmpeg.features.srt === true;
    const source = (await api(host, 'POST', '/api/v1/streams', { name: 'relay-src', ladder: 'passthrough' })).json;
    const viaSrt = (await api(host, 'POST', '/api/v1/streams', { name: 'via-srt', ladder: 'passthrough' })).json;
    const viaRtmp = (await api(host, 'POST', '/api/v1/streams', { name: 'via-rtmp', ladder: 'passthrough' })).json;
    const srtDest = await api(host, 'POST', '/api/v1/streams/relay-src/destinations', {
      url: `srt://127.0.0.1:${host.srtPort}`,
      key: `publish:${viaSrt.key}`,
      autoStart: true,
    });
    if (canSrt) {
      expect(srtDest.status).toBe(201);
    } else {
      // The npm-shipped 4.1 has no srt protocol: refused with the feature named, nothing stored.
      expect(srtDest.status).toBe(501);
      expect(srtDest.json.error).toMatchObject({ code: 'FFMPEG_FEATURE_MISSING', details: { feature: 'srt' } });
      expect((await api(host, 'GET', '/api/v1/streams/relay-src/destinations')).json).toEqual([]);
    }
    const rtmpDest = await api(host, 'POST', '/api/v1/streams/relay-src/destinations', { url: viaRtmp.ingest.rtmp, key: viaRtmp.key, autoStart: true });
    expect(rtmpDest.status).toBe(201);
    expect(JSON.stringify(rtmpDest.json)).not.toContain(viaRtmp.key);
    const publisher = publishTestPattern(`${source.ingest.rtmp}/${source.key}`, { size: '640x360' });
    try {
      for (const name of canSrt ? ['via-srt', 'via-rtmp'] : ['via-rtmp']) {
        await waitFor(`${name} live`, () => events.events.find((e) => e.event === 'stream.state' && e.data.name === name && e.data.state === 'live'), 20_000);
      }
      await waitFor('the destinations live', async () => {
        const list = (await api(host, 'GET', '/api/v1/streams/relay-src/destinations')).json as { state: string }[];
        return list.length === (canSrt ? 2 : 1) && list.every((d) => d.state === 'live') ? true : undefined;
      }, 10_000);
      if (canSrt) expect((await api(host, 'GET', '/api/v1/streams/via-srt')).json.live.publisher.protocol).toBe('srt');
      expect((await api(host, 'GET', '/api/v1/streams/via-rtmp')).json.live.publisher.protocol).toBe('rtmp');
    } finally {
      publisher.kill('SIGKILL');
      await exitOf(publisher);
    }
  });
});
