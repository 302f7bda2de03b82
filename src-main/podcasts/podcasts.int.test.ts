import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Episode, Show } from '../../src-shared/contract/podcasts.js';
import { api, startHost, type HostProcess } from '../../test-support/host-process.js';
import { eyed3Python, needs } from '../../test-support/peers.js';
import { checkPodcastFeed } from '../../test-support/podcast-feed-rules.js';
import { exitOf, publishTestPattern } from '../../test-support/media.js';
import { makeClip, SAMPLE_SRT, tusUpload } from '../../test-support/vod-media.js';
import { waitFor } from '../../test-support/wait.js';

// A show made from a library video on a real host: the episode's M4A and MP3 at -16 LUFS, the MP3's
// ID3v2.4 chapters and cover read by eyeD3, the feed checked against the RSS/iTunes/Podcasting 2.0 rules
// and fetched, updated and downloaded by gPodder's gpo; a private show only under a subscriber's token;
// downloads counted by the IAB rules; and the bad input the issue names.
describe.skipIf(needs('ffmpeg', 'ffprobe', 'gpodder', 'eyed3'))('podcasts from the library (gPodder, eyeD3)', () => {
  let host: HostProcess;
  let tmp: string;
  let videoId: string;
  let show: Show;
  let episode: Episode;

  const ffmpeg = (args: string[]): void => {
    const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
  };
  const get = (url: string, headers: Record<string, string> = {}) => fetch(url.startsWith('http') ? url : `${host.url}${url}`, { headers });
  const episodeOf = async (showId: string, id: string): Promise<Episode> => {
    const { json } = await api(host, 'GET', `/api/v1/shows/${showId}/episodes`);
    return (json as unknown as Episode[]).find((e) => e.id === id)!;
  };
  const readyEpisode = async (showId: string, id: string): Promise<Episode> => {
    let last: Episode | undefined;
    await waitFor('the episode ready', async () => {
      last = await episodeOf(showId, id);
      if (last.state === 'failed') throw new Error(`the episode failed: ${JSON.stringify(last.error)}`);
      return last.state === 'ready';
    }, 120_000, 300);
    return last!;
  };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'podcasts-'));
    host = await startHost();
    const clip = await makeClip(path.join(tmp, 'interview.mp4'), { seconds: 90, size: '320x180', scenes: 3 });
    const uploadId = await tusUpload(host, clip, { filename: 'interview.mp4', preset: 'fast' });
    await waitFor('the video ready', async () => {
      const { json } = await api(host, 'GET', `/api/v1/videos?uploadId=${uploadId}`);
      const video = (json as unknown as { id: string; state: string }[])[0];
      if (video?.state === 'failed') throw new Error('the video failed');
      videoId = video?.id ?? '';
      return video?.state === 'ready';
    }, 180_000, 500);
    const chapters = await api(host, 'PATCH', `/api/v1/videos/${videoId}`, { chapters: [{ startSec: 0, title: 'Welcome' }, { startSec: 30, title: 'The interview' }, { startSec: 70, title: 'Goodbye' }] });
    expect(chapters.status).toBe(200);
    const subs = await api(host, 'POST', `/api/v1/videos/${videoId}/subtitles`, { language: 'en', format: 'srt', content: SAMPLE_SRT });
    expect(subs.status).toBe(201);
    const created = await api(host, 'POST', '/api/v1/shows', { title: 'Night Shift', author: 'Ada Lovelace', ownerEmail: 'ada@example.com', category: 'Technology', description: 'Late conversations & code' });
    expect(created.status).toBe(201);
    show = created.json as unknown as Show;
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=1600x1200', '-frames:v', '1', path.join(tmp, 'art.png')]);
    const art = await fetch(`${host.url}/api/v1/shows/${show.id}/artwork`, { method: 'PUT', headers: { authorization: `Bearer ${host.token}`, 'content-type': 'image/png' }, body: fs.readFileSync(path.join(tmp, 'art.png')) });
    const artText = await art.text();
    expect(art.status, artText).toBe(200);
    show = JSON.parse(artText) as Show;
    const made = await api(host, 'POST', `/api/v1/shows/${show.id}/episodes`, { title: 'Episode 1: "Hello" & welcome', videoId, season: 1, episode: 1, status: 'published', description: 'We talk <code>.' });
    expect(made.status).toBe(201);
    episode = await readyEpisode(show.id, (made.json as unknown as Episode).id);
  }, 300_000);

  afterAll(async () => {
    expect(await host?.stop()).toBe(0);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('makes a square 1400 px JPEG of the artwork and M4A and MP3 renditions at -16 LUFS', async () => {
    expect(show.artwork).toMatch(/^\/podcasts\/night-shift\/art\/[a-f0-9]{8}\.jpg$/);
    const art = await get(show.artwork!);
    fs.writeFileSync(path.join(tmp, 'cover.jpg'), Buffer.from(await art.arrayBuffer()));
    const probe = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height,codec_name', '-of', 'json', path.join(tmp, 'cover.jpg')], { encoding: 'utf8' });
    expect(JSON.parse(probe.stdout).streams[0]).toMatchObject({ codec_name: 'mjpeg', width: 1400, height: 1400 });

    expect(episode.durationSec).toBeCloseTo(90, 0);
    expect(episode.loudness?.targetLufs).toBe(-16);
    for (const kind of ['m4a', 'mp3'] as const) {
      const file = path.join(tmp, `episode.${kind}`);
      const res = await get(episode.audio![kind].path);
      expect(res.headers.get('content-type')).toBe(kind === 'mp3' ? 'audio/mpeg' : 'audio/mp4');
      // Web players on other sites fetch it too.
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      expect(fs.statSync(file).size).toBe(episode.audio![kind].bytes);
      const measured = spawnSync('ffmpeg', ['-hide_banner', '-nostats', '-i', file, '-af', 'ebur128', '-f', 'null', '-'], { encoding: 'utf8' });
      const integrated = Number(/Integrated loudness:\s+I:\s+(-?[\d.]+) LUFS/.exec(measured.stderr)?.[1]);
      expect(integrated, kind).toBeGreaterThan(-17.5);
      expect(integrated, kind).toBeLessThan(-14.5);
    }
  });

  it("writes the MP3's ID3v2.4 chapters (CHAP and CTOC) and front cover (APIC), as eyeD3 reads them", () => {
    const script = [
      'import eyed3, json, sys',
      'f = eyed3.load(sys.argv[1]); t = f.tag',
      'print(json.dumps({"version": list(t.version), "title": t.title, "artist": t.artist, "album": t.album,',
      '  "toc": [{"id": c.element_id.decode(), "top": c.toplevel, "ordered": c.ordered, "children": [x.decode() for x in c.child_ids]} for c in t.table_of_contents],',
      '  "chapters": [{"id": c.element_id.decode(), "start": c.times.start, "end": c.times.end, "title": c.title} for c in t.chapters],',
      '  "images": [{"type": i.picture_type, "mime": i.mime_type, "bytes": len(i.image_data)} for i in t.images]}))',
    ].join('\n');
    const read = spawnSync(eyed3Python()!, ['-c', script, path.join(tmp, 'episode.mp3')], { encoding: 'utf8' });
    expect(read.status, read.stderr).toBe(0);
    const tag = JSON.parse(read.stdout);
    expect(tag).toMatchObject({ version: [2, 4, 0], title: 'Episode 1: "Hello" & welcome', artist: 'Ada Lovelace', album: 'Night Shift' });
    expect(tag.chapters.map((c: { start: number; end: number; title: string }) => [c.start, c.end, c.title])).toEqual([
      [0, 30_000, 'Welcome'],
      [30_000, 70_000, 'The interview'],
      [70_000, expect.closeTo(90_000, -2), 'Goodbye'],
    ]);
    expect(tag.toc).toEqual([{ id: 'toc', top: true, ordered: true, children: tag.chapters.map((c: { id: string }) => c.id) }]);
    expect(tag.images).toEqual([{ type: 3, mime: 'image/jpeg', bytes: expect.any(Number) }]);
    // eyeD3's own command line reads the cover too.
    const cli = spawnSync('eyeD3', [path.join(tmp, 'episode.mp3')], { encoding: 'utf8' });
    expect(cli.stdout).toMatch(/ID3 v2\.4/);
    expect(cli.stdout).toMatch(/FRONT_COVER Image: \[Size: \d+ bytes\] \[Type: image\/jpeg\]/);
  });

  it('serves a feed that passes the RSS 2.0 / iTunes / Podcasting 2.0 rules, with chapters and transcript, and 304 on its validators', async () => {
    const res = await get(show.feed!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    const xml = await res.text();
    expect(checkPodcastFeed(xml)).toEqual([]);
    expect(xml).toContain(`<enclosure url="${host.url}${episode.audio!.mp3.path}" length="${episode.audio!.mp3.bytes}" type="audio/mpeg"/>`);
    expect(xml).toContain(`<podcast:guid>${show.guid}</podcast:guid>`);
    const chapters = /<podcast:chapters url="([^"]+)"/.exec(xml)![1]!;
    expect(await (await get(chapters)).json()).toEqual({ version: '1.2.0', title: 'Episode 1: "Hello" & welcome', podcastName: 'Night Shift', chapters: [{ startTime: 0, title: 'Welcome' }, { startTime: 30, title: 'The interview' }, { startTime: 70, title: 'Goodbye' }] });
    const transcript = /<podcast:transcript url="([^"]+)" type="text\/vtt" language="en"/.exec(xml)![1]!;
    expect(await (await get(transcript)).text()).toMatch(/^WEBVTT/);

    const etag = res.headers.get('etag')!;
    const lastModified = res.headers.get('last-modified')!;
    expect((await get(show.feed!, { 'if-none-match': etag })).status).toBe(304);
    expect((await get(show.feed!, { 'if-modified-since': lastModified })).status).toBe(304);
    // A change to the show is a new feed: a new ETag.
    expect((await api(host, 'PATCH', `/api/v1/shows/${show.id}`, { description: 'Late conversations, code and more' })).status).toBe(200);
    const changed = await get(show.feed!, { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it("gPodder's gpo subscribes to the feed, updates it and downloads the episode", async () => {
    const home = path.join(tmp, 'gpodder');
    const downloads = path.join(tmp, 'gpodder-downloads');
    const env = { ...process.env, GPODDER_HOME: home, GPODDER_DOWNLOAD_DIR: downloads };
    const gpo = (...args: string[]) => {
      const r = spawnSync('gpo', args, { env, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, `gpo ${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0);
      return r.stdout;
    };
    const feed = `${host.url}${show.feed!}`;
    gpo('subscribe', feed);
    expect(gpo('list')).toContain(feed);
    gpo('update', feed);
    expect(gpo('episodes', feed)).toContain('Episode 1: "Hello" & welcome');
    gpo('download', feed);
    const files = fs.readdirSync(downloads, { recursive: true }).map(String).filter((f) => f.endsWith('.mp3'));
    expect(files).toHaveLength(1);
    expect(fs.statSync(path.join(downloads, files[0]!)).size).toBe(episode.audio!.mp3.bytes);
  });

  it("a private show answers 404 without a subscriber's token, serves the subscriber's feed and files, and 404 once revoked", async () => {
    const created = await api(host, 'POST', '/api/v1/shows', { title: 'Backstage', author: 'Ada', ownerEmail: 'ada@example.com', category: 'Arts > Design', private: true });
    const secret = created.json as unknown as Show;
    expect(secret.feed).toBeNull();
    const made = await api(host, 'POST', `/api/v1/shows/${secret.id}/episodes`, { title: 'Members only', videoId, status: 'published' });
    const ep = await readyEpisode(secret.id, (made.json as unknown as Episode).id);
    expect((await get(`/podcasts/${secret.slug}/feed.xml`)).status).toBe(404);
    expect((await get(ep.audio!.mp3.path)).status).toBe(404);
    expect((await get(`/podcasts/${secret.slug}/s/${'x'.repeat(32)}/feed.xml`)).status).toBe(404);
    expect((await get(`/podcasts/${secret.slug}/%E0%A4%A/feed.xml`)).status).toBe(400);
    expect((await get(`/podcasts/${secret.slug}/%66eed.xml`)).status).toBe(404);
    // Another show's subscriber is no subscriber of this one.
    const other = (await api(host, 'POST', `/api/v1/shows/${show.id}/subscribers`, { name: 'Elsewhere' })).json as { feed: string };
    expect((await get(other.feed.replace(`/podcasts/${show.slug}/`, `/podcasts/${secret.slug}/`))).status).toBe(404);

    const sub = (await api(host, 'POST', `/api/v1/shows/${secret.id}/subscribers`, { name: 'Grace' })).json as { id: string; feed: string };
    const feed = await get(sub.feed);
    expect(feed.status).toBe(200);
    expect(feed.headers.get('cache-control')).toBe('private, no-cache');
    const xml = await feed.text();
    expect(checkPodcastFeed(xml)).toEqual([]);
    const enclosure = /<enclosure url="([^"]+)"/.exec(xml)![1]!;
    expect(enclosure).toContain(sub.feed.replace('/feed.xml', '/e/'));
    expect((await get(enclosure, { range: 'bytes=0-99' })).status).toBe(206);
    const listed = (await api(host, 'GET', `/api/v1/shows/${secret.id}/subscribers`)).json as unknown as { id: string; lastFetchAt: number | null }[];
    expect(listed.find((s) => s.id === sub.id)?.lastFetchAt).toEqual(expect.any(Number));

    expect((await api(host, 'DELETE', `/api/v1/shows/${secret.id}/subscribers/${sub.id}`)).status).toBe(200);
    expect((await get(sub.feed)).status).toBe(404);
    expect((await get(enclosure)).status).toBe(404);
  });

  it('counts downloads by the IAB rules at the origin: ranges merged, a repeat within a day once, HEAD, probes and bots left out', async () => {
    const made = await api(host, 'POST', '/api/v1/shows', { title: 'Counted', author: 'Ada', ownerEmail: 'ada@example.com', category: 'News' });
    const counted = made.json as unknown as Show;
    const ep = await readyEpisode(counted.id, ((await api(host, 'POST', `/api/v1/shows/${counted.id}/episodes`, { title: 'One', videoId, status: 'published' })).json as unknown as Episode).id);
    const mp3 = ep.audio!.mp3;
    const half = Math.floor(mp3.bytes / 2);
    const app = { 'user-agent': 'AppleCoreMedia/1.0.0.21A329 (iPhone; U; CPU OS 17_0 like Mac OS X; en_us)' };
    // One listener: a probe, then the file in two ranges, then again in full (a repeat within 24 h).
    expect((await get(mp3.path, { ...app, range: 'bytes=0-1' })).status).toBe(206);
    await (await get(mp3.path, { ...app, range: `bytes=0-${half - 1}` })).arrayBuffer();
    await (await get(mp3.path, { ...app, range: `bytes=${half}-` })).arrayBuffer();
    await (await get(mp3.path, app)).arrayBuffer();
    // A second listener (another app on the same address), a HEAD and a crawler.
    await (await get(mp3.path, { 'user-agent': 'Overcast/3.0 (+http://overcast.fm/; iOS podcast app)' })).arrayBuffer();
    expect((await fetch(`${host.url}${mp3.path}`, { method: 'HEAD', headers: { 'user-agent': 'PocketCasts/1.0' } })).status).toBe(200);
    await (await get(mp3.path, { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' })).arrayBuffer();

    type Report = { totals: { episode: string; downloads: number }[]; excluded: Record<string, number>; days: { day: string; downloads: number }[]; requests: number };
    const report = await waitFor('the requests recorded', async () => {
      const json = (await api(host, 'GET', `/api/v1/shows/${counted.id}/downloads`)).json as unknown as Report;
      return json.requests === 7 ? json : null;
    }, 10_000);
    expect(report.totals).toEqual([{ episode: ep.id, downloads: 2 }]);
    expect(report.excluded).toMatchObject({ bots: 1, head: 1, probes: 1 });
    expect(report.days).toHaveLength(30);
    expect(report.days.at(-1)).toEqual({ day: new Date().toISOString().slice(0, 10), episode: ep.id, downloads: 2 });
    expect((await episodeOf(counted.id, ep.id)).downloads).toBe(2);
  });

  it("carries an episode's own artwork, an analytics prefix, and a podcast:liveItem while the show's stream is live", async () => {
    const made = await api(host, 'POST', '/api/v1/shows', { title: 'On Air', author: 'Ada', ownerEmail: 'ada@example.com', category: 'Music', prefixUrl: 'https://op3.example/e' });
    const onAir = made.json as unknown as Show;
    const ep = await readyEpisode(onAir.id, ((await api(host, 'POST', `/api/v1/shows/${onAir.id}/episodes`, { title: 'Cover story', videoId, status: 'published' })).json as unknown as Episode).id);
    // Its own cover: the audio is made again to carry it (a new generation, new URLs).
    ffmpeg(['-f', 'lavfi', '-i', 'color=c=red:size=800x600', '-frames:v', '1', path.join(tmp, 'red.jpg')]);
    const put = await fetch(`${host.url}/api/v1/shows/${onAir.id}/episodes/${ep.id}/artwork`, { method: 'PUT', headers: { authorization: `Bearer ${host.token}`, 'content-type': 'image/jpeg' }, body: fs.readFileSync(path.join(tmp, 'red.jpg')) });
    expect(put.status).toBe(200);
    const redone = await waitFor('the audio made again', async () => {
      const e = await episodeOf(onAir.id, ep.id);
      return e.state === 'ready' && e.audio!.mp3.path !== ep.audio!.mp3.path ? e : null;
    }, 120_000, 300);
    const cover = spawnSync('ffmpeg', ['-hide_banner', '-v', 'error', '-i', `${host.url}${redone.artwork!}`, '-vf', 'scale=1:1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1024 });
    expect([...cover.stdout].map((v) => Math.round(v / 64))).toEqual([4, 0, 0]);
    expect((await get(ep.audio!.mp3.path)).status).toBe(404);

    const stream = await api(host, 'POST', '/api/v1/streams', { name: 'onair', ladder: 'passthrough', record: true });
    expect(stream.status).toBe(201);
    expect((await api(host, 'PATCH', `/api/v1/shows/${onAir.id}`, { liveStream: 'onair' })).status).toBe(200);
    expect(await (await get(`/podcasts/${onAir.slug}/feed.xml`)).text()).not.toContain('podcast:liveItem');
    const publisher = publishTestPattern(`rtmp://127.0.0.1:${host.rtmpPort}/live/${stream.json.key as string}`, { size: '320x180' });
    try {
      const xml = await waitFor('the live item', async () => {
        const text = await (await get(`/podcasts/${onAir.slug}/feed.xml`)).text();
        return text.includes('<podcast:liveItem') ? text : null;
      }, 30_000, 250);
      expect(checkPodcastFeed(xml)).toEqual([]);
      expect(xml).toMatch(/<podcast:liveItem status="live" start="\d{4}-\d\d-\d\dT/);
      expect(xml).toContain(`<podcast:contentLink href="${host.url}/play/onair"`);
      const host_ = host.url.replace(/^http:\/\//, '');
      expect(xml).toContain(`<enclosure url="https://op3.example/e/${host_}${redone.audio!.mp3.path}"`);
      expect(xml).toContain(`<itunes:image href="${host.url}${redone.artwork!}"/>`);
      // A few seconds of show for the recording below.
      await new Promise((resolve) => setTimeout(resolve, 4000));
    } finally {
      publisher.kill('SIGINT');
      await exitOf(publisher);
    }
    // The show's recording, straight into an episode (no video made of it first).
    const recording = await waitFor('the recording ended', async () => {
      const list = (await api(host, 'GET', '/api/v1/recordings?stream=onair')).json as unknown as { id: string; state: string }[];
      return list.find((r) => r.state === 'complete') ?? null;
    }, 30_000, 250);
    const fromRecording = await api(host, 'POST', `/api/v1/shows/${onAir.id}/episodes`, { title: 'Live replay', recordingId: recording.id, status: 'published' });
    expect(fromRecording.status, fromRecording.text).toBe(201);
    const replay = await readyEpisode(onAir.id, (fromRecording.json as unknown as Episode).id);
    expect(replay.source).toEqual({ videoId: null, recordingId: recording.id, uploadId: null });
    expect(replay.durationSec).toBeGreaterThan(1);
    expect((await api(host, 'POST', `/api/v1/shows/${onAir.id}/episodes`, { title: 'Nope', recordingId: 'rec_missing' })).status).toBe(404);
  });

  it('refuses bad input with a clear code and changes nothing', async () => {
    const before = (await api(host, 'GET', '/api/v1/shows')).json as unknown as Show[];
    // An episode whose source has no audio.
    const silent = path.join(tmp, 'silent.mp4');
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', silent]);
    const uploadId = await tusUpload(host, silent, { filename: 'silent.mp4', purpose: 'podcast' });
    const noAudio = await api(host, 'POST', `/api/v1/shows/${show.id}/episodes`, { title: 'Mute', uploadId });
    expect(noAudio.status).toBe(400);
    expect(noAudio.json.error).toMatchObject({ code: 'NO_AUDIO' });
    expect(((await api(host, 'GET', `/api/v1/shows/${show.id}/episodes`)).json as unknown as Episode[]).map((e) => e.title)).not.toContain('Mute');
    // An upload made for a podcast is no library video.
    expect(((await api(host, 'GET', `/api/v1/videos?uploadId=${uploadId}`)).json as unknown as unknown[]).length).toBe(0);

    const badCategory = await api(host, 'POST', '/api/v1/shows', { title: 'X', author: 'A', ownerEmail: 'a@example.com', category: 'Gardening > Roses' });
    expect(badCategory.status).toBe(400);
    expect(badCategory.json.error).toMatchObject({ code: 'VALIDATION_FAILED' });
    const badEmail = await api(host, 'POST', '/api/v1/shows', { title: 'X', author: 'A', ownerEmail: 'not-an-address', category: 'News' });
    expect(badEmail.status).toBe(400);
    const taken = await api(host, 'POST', '/api/v1/shows', { title: 'X', slug: show.slug, author: 'A', ownerEmail: 'a@example.com', category: 'News' });
    expect(taken.status).toBe(409);
    const noSource = await api(host, 'POST', `/api/v1/shows/${show.id}/episodes`, { title: 'Nothing' });
    expect(noSource.status).toBe(400);
    const notImage = await fetch(`${host.url}/api/v1/shows/${show.id}/artwork`, { method: 'PUT', headers: { authorization: `Bearer ${host.token}`, 'content-type': 'image/png' }, body: Buffer.from('not a picture at all') });
    expect(notImage.status).toBe(422);
    expect(((await notImage.json()) as { error: { code: string } }).error.code).toBe('MEDIA_INVALID');
    const anonymous = await fetch(`${host.url}/api/v1/shows/${show.id}/artwork`, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: fs.readFileSync(path.join(tmp, 'art.png')) });
    expect(anonymous.status).toBe(401);
    expect(((await api(host, 'GET', `/api/v1/shows/${show.id}`)).json as unknown as Show).artwork).toBe(show.artwork);
    expect(((await api(host, 'GET', '/api/v1/shows')).json as unknown as Show[]).length).toBe(before.length);
    // A draft or a scheduled episode is in no feed, and its files are unknown to listeners.
    const scheduled = await api(host, 'POST', `/api/v1/shows/${show.id}/episodes`, { title: 'Next week', videoId, status: 'published', publishAt: Date.now() + 7 * 86_400_000 });
    const later = await readyEpisode(show.id, (scheduled.json as unknown as Episode).id);
    expect(later.live).toBe(false);
    expect((await get(later.audio!.mp3.path)).status).toBe(404);
    expect(await (await get(show.feed!)).text()).not.toContain('Next week');
  });
});
