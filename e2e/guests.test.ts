// Guests on the show, in Chromium against a real host: a guest opens their link (fake camera and
// microphone from Y4M/WAV files), waits in the green room, is admitted and sends over WHIP; the
// producer's studio pulls them over WHEP. Refused, withdrawn and tampered links each end with a clear page.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { studioPage } from '../test-support/browser.js';
import { api, ROOT, startHost, type HostProcess } from '../test-support/host-process.js';
import { stopHostCleanly } from '../test-support/media.js';
import { needs } from '../test-support/peers.js';
import { launchStudioChromium, makeStudioFixtures, type StudioFixtures } from '../test-support/studio.js';
import { waitFor } from '../test-support/wait.js';
import { inboundStats, startWhepViewer } from '../test-support/webrtc.js';

const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');

interface Invited {
  id: string;
  url: string;
  state: string;
  expiresAt: number;
}

const claimsOf = (url: string): Record<string, unknown> => JSON.parse(Buffer.from(url.split('#')[1]!.split('.')[1]!, 'base64url').toString('utf8'));

describe.skipIf(needs('ffmpeg', 'chromium'))('guests on the show (Chromium with fake devices)', () => {
  let host: HostProcess;
  let fixtures: StudioFixtures;
  let browser: Browser;
  let producer: Page;

  beforeAll(async () => {
    host = await startHost();
    expect((await api(host, 'POST', '/api/v1/streams', { name: 'show' })).status).toBe(201);
    fixtures = makeStudioFixtures();
    browser = await launchStudioChromium(fixtures);
    producer = await studioPage(browser, host);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stopHostCleanly(host);
    if (fixtures) fs.rmSync(fixtures.dir, { recursive: true, force: true });
  });

  const invite = async (body: Record<string, unknown> = {}): Promise<Invited> => {
    const res = await api(host, 'POST', '/api/v1/streams/show/guests', body);
    expect(res.status, res.text).toBe(201);
    return res.json as Invited;
  };
  const guests = async (): Promise<{ id: string; name: string; state: string; live: boolean; muted: boolean; hidden: boolean; media: { video: boolean; audio: boolean }; reason: string | null }[]> =>
    (await api(host, 'GET', '/api/v1/streams/show/guests')).json as never;
  const guestPage = async (url: string): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 900, height: 800 } });
    await page.goto(url);
    return page;
  };
  const phaseOf = (page: Page) => page.evaluate(() => document.body.dataset.phase ?? null);

  it('invites by link: its JWT names the guest, the show, the name and the expiry; bad input changes nothing', async () => {
    const before = Date.now();
    const guest = await invite({ name: 'Ada', expiresInSec: 3600 });
    expect(guest).toMatchObject({ state: 'invited', name: 'Ada', live: false });
    expect(guest.id).toMatch(/^gst_[a-z0-9]{12}$/);
    expect(guest.url).toMatch(new RegExp(`^${host.url}/guest/${guest.id}#[\\w-]+\\.[\\w-]+\\.[\\w-]+$`));
    const claims = claimsOf(guest.url);
    expect(claims).toMatchObject({ act: 'guest', streams: ['show'], sub: guest.id, name: 'Ada' });
    expect(Math.abs((claims.exp as number) * 1000 - (before + 3600_000))).toBeLessThan(5000);
    expect(Math.abs(guest.expiresAt - (before + 3600_000))).toBeLessThan(5000);

    expect((await api(host, 'POST', '/api/v1/streams/nope/guests', {})).json.error.code).toBe('NOT_FOUND');
    for (const bad of [{ expiresInSec: 5 }, { name: '' }, { name: 'x'.repeat(61) }, { other: 1 }]) {
      const res = await api(host, 'POST', '/api/v1/streams/show/guests', bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.json.error.code).toBe('VALIDATION_FAILED');
    }
    expect((await api(host, 'POST', `/api/v1/streams/show/guests/gst_000000000000/admit`)).json.error.code).toBe('NOT_FOUND');
    // The link is for this guest only: a read JWT of the stream, or another guest's id, does not open it.
    const read = (await api(host, 'POST', '/api/v1/jwt', { action: 'read', streams: ['show'], expiresInSec: 600 })).json as { token: string };
    const wrong = await fetch(`${host.url}/guest/${guest.id}/state`, { headers: { Authorization: `Bearer ${read.token}` } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('JWT_INVALID');
    expect((await fetch(`${host.url}/guest/${guest.id}/state`)).status).toBe(401);
    const list = await guests();
    expect(list.map((g) => g.id)).toEqual([guest.id]);
    expect((await api(host, 'DELETE', `/api/v1/streams/show/guests/${guest.id}`)).json.state).toBe('revoked');
  });

  it('a guest joins from the link, waits in the green room, is admitted and is on the show; the studio pulls them', async () => {
    const guest = await invite();
    const token = guest.url.split('#')[1]!;
    const page = await guestPage(guest.url);
    await waitFor('the guest page set up', async () => (await phaseOf(page)) === 'setup', 15_000);
    // The preview plays the camera and the meter moves with the microphone's tone (-20 dBFS, two thirds
    // of the bar, then lowered by the browser's noise suppression, which takes a steady tone for noise).
    await waitFor('the preview', () => page.evaluate(() => (document.querySelector('[data-testid=guest-preview]') as HTMLVideoElement | null)?.videoWidth ?? 0), 10_000);
    const meter = await waitFor('the level meter', async () => {
      const width = await page.evaluate(() => parseFloat((document.querySelector('[data-testid=guest-meter]') as HTMLElement).style.width || '0'));
      return width > 0 ? width : undefined;
    }, 10_000);
    expect(meter).toBeGreaterThan(20);
    expect(meter).toBeLessThan(85);
    const cameras = await page.getByTestId('guest-camera-select').locator('option').count();
    expect(cameras).toBeGreaterThanOrEqual(2);
    await expect(page.getByTestId('guest-join').isDisabled()).resolves.toBe(true);
    await page.getByTestId('guest-name').fill('Grace');
    await page.getByTestId('guest-join').click();
    await waitFor('the green room', async () => (await phaseOf(page)) === 'waiting', 10_000);
    await page.screenshot({ path: path.join(ARTIFACTS, 'guest-green-room.png') });
    expect((await guests()).find((g) => g.id === guest.id)).toMatchObject({ state: 'waiting', name: 'Grace', live: false });
    // Sending before being let in is refused.
    const early = await fetch(`${host.url}/guest/${guest.id}/whip`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/sdp' }, body: 'v=0' });
    expect(early.status).toBe(403);
    expect(((await early.json()) as { error: { code: string } }).error.code).toBe('GUEST_NOT_ADMITTED');

    expect((await api(host, 'POST', `/api/v1/streams/show/guests/${guest.id}/admit`)).json.state).toBe('admitted');
    await waitFor('on the show', async () => (await phaseOf(page)) === 'onshow', 10_000);
    const live = await waitFor('the guest sending', async () => (await guests()).find((g) => g.id === guest.id && g.live), 20_000);
    expect(live.media).toEqual({ video: true, audio: true });
    await waitFor('connected', async () => /are on the show/.test(await page.getByTestId('guest-status').innerText()), 10_000);
    await page.screenshot({ path: path.join(ARTIFACTS, 'guest-on-show.png') });

    // The studio (a signed-in producer) pulls the guest; nobody else may.
    const anonymous = await fetch(`${host.url}/guest/${guest.id}/whep`, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: 'v=0' });
    expect(anonymous.status).toBe(401);
    const pulled = await startWhepViewer(producer, `/guest/${guest.id}/whep`);
    expect(pulled.status, pulled.body).toBe(201);
    expect(pulled.location).toMatch(new RegExp(`^/guest/${guest.id}/session/[\\w-]{16}$`));
    await waitFor('the guest in the studio', async () => {
      const stats = await inboundStats(producer);
      return stats.framesDecoded > 10 && stats.audioPackets > 10 ? stats : undefined;
    }, 20_000);

    // Taken off the show: the page says so, the studio's pull ends, the link opens nothing again.
    expect((await api(host, 'POST', `/api/v1/streams/show/guests/${guest.id}/remove`, { reason: 'Thanks for coming on!' })).json.state).toBe('removed');
    await waitFor('the guest told', async () => (await phaseOf(page)) === 'ended', 10_000);
    expect(await page.getByTestId('guest-ended').innerText()).toContain('Thanks for coming on!');
    await waitFor('the guest gone', async () => (await guests()).find((g) => g.id === guest.id && !g.live), 10_000);
    await waitFor('the pull closed', () => producer.evaluate(() => (window as unknown as { __pc: RTCPeerConnection }).__pc.connectionState !== 'connected'), 15_000);
    const again = await fetch(`${host.url}/guest/${guest.id}/state`, { headers: { Authorization: `Bearer ${token}` } });
    expect(again.status).toBe(410);
    expect(((await again.json()) as { error: { code: string; details: { state: string } } }).error).toMatchObject({ code: 'GUEST_LINK_ENDED', details: { state: 'removed' } });
    await page.close();
  }, 120_000);

  it('a refused guest sees why; a withdrawn or tampered link says so and nothing joins', async () => {
    const refused = await invite({ name: 'Linus' });
    const page = await guestPage(refused.url);
    await waitFor('set up', async () => (await phaseOf(page)) === 'setup', 15_000);
    await page.getByTestId('guest-join').click();
    await waitFor('the green room', async () => (await phaseOf(page)) === 'waiting', 10_000);
    // Refusing someone on the show is a conflict; refusing the waiting guest ends their link with the reason.
    expect((await api(host, 'POST', `/api/v1/streams/show/guests/${refused.id}/remove`, {})).json.error.code).toBe('CONFLICT');
    expect((await api(host, 'POST', `/api/v1/streams/show/guests/${refused.id}/refuse`, { reason: 'The show is full tonight' })).json.state).toBe('refused');
    await waitFor('told', async () => (await phaseOf(page)) === 'ended', 10_000);
    expect(await page.getByTestId('guest-ended-title').innerText()).toMatch(/could not take you on/);
    expect(await page.getByTestId('guest-ended').innerText()).toContain('The show is full tonight');
    await page.screenshot({ path: path.join(ARTIFACTS, 'guest-refused.png') });
    await page.close();

    const withdrawn = await invite();
    expect((await api(host, 'DELETE', `/api/v1/streams/show/guests/${withdrawn.id}`)).json.state).toBe('revoked');
    expect((await api(host, 'DELETE', `/api/v1/streams/show/guests/${withdrawn.id}`)).json.error.code).toBe('CONFLICT');
    const gone = await guestPage(withdrawn.url);
    await waitFor('the ended page', async () => (await phaseOf(gone)) === 'ended', 10_000);
    expect(await gone.getByTestId('guest-ended-title').innerText()).toMatch(/withdrawn/);
    const join = await fetch(`${host.url}/guest/${withdrawn.id}/join`, { method: 'POST', headers: { Authorization: `Bearer ${withdrawn.url.split('#')[1]}`, 'Content-Type': 'application/json' }, body: '{"name":"x"}' });
    expect(join.status).toBe(410);
    await gone.close();

    const tampered = await invite();
    const [head, payload, signature] = tampered.url.split('#')[1]!.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claimsOf(tampered.url), streams: ['*'] })).toString('base64url');
    expect(forged).not.toBe(payload);
    const bad = await guestPage(`${host.url}/guest/${tampered.id}#${head}.${forged}.${signature}`);
    await bad.getByTestId('guest-error').waitFor({ timeout: 10_000 });
    expect((await guests()).find((g) => g.id === tampered.id)?.state).toBe('invited');
    const bare = await guestPage(`${host.url}/guest/${tampered.id}`);
    expect(await bare.getByTestId('guest-error').innerText()).toMatch(/incomplete/);
    await bad.close();
    await bare.close();
  }, 90_000);
  it('the producer invites, admits and puts a guest in the scene from the studio page', async () => {
    expect((await api(host, 'PATCH', '/api/v1/scenes/studio', { stream: 'show' })).status).toBe(200);
    await producer.goto(`${host.url}/#/studio`);
    await producer.getByTestId('guests-panel').waitFor();
    await producer.getByTestId('guest-invite-name').fill('Katherine');
    await producer.getByTestId('guest-invite').click();
    const url = (await producer.getByTestId('guest-link').innerText()).trim();
    expect(url).toMatch(/\/guest\/gst_[a-z0-9]{12}#/);
    const id = /gst_[a-z0-9]{12}/.exec(url)![0];
    const row = producer.getByTestId(`guest-row-${id}`);
    expect(await row.getAttribute('data-state')).toBe('invited');

    const page = await guestPage(url);
    await waitFor('set up', async () => (await phaseOf(page)) === 'setup', 15_000);
    expect(await page.getByTestId('guest-name').inputValue()).toBe('Katherine');
    await page.getByTestId('guest-join').click();
    await waitFor('the green room in the studio', async () => (await row.getAttribute('data-state')) === 'waiting', 10_000);
    // A word in private before the show: the producer writes, the guest answers.
    await row.getByTestId('guest-chat-toggle').click();
    await row.getByTestId('guest-chat-text').fill('Hi Katherine, you are on after the news');
    await row.getByTestId('guest-chat-say').click();
    await waitFor('the guest reads it', async () => (await page.getByTestId('guest-chat').innerText()).includes('you are on after the news'), 10_000);
    await page.getByTestId('guest-chat-input').fill('Ready when you are');
    await page.getByTestId('guest-chat-send').click();
    await waitFor('the producer reads the answer', async () => (await row.getByTestId('guest-chat-lines').innerText()).includes('Ready when you are'), 10_000);
    const chat = (await api(host, 'GET', `/api/v1/streams/show/guests/${id}/chat`)).json as { from: string; text: string }[];
    expect(chat.map((l) => l.from)).toEqual(['producer', 'guest']);
    expect((await api(host, 'POST', `/api/v1/streams/show/guests/${id}/chat`, { text: '' })).json.error.code).toBe('VALIDATION_FAILED');
    await producer.screenshot({ path: path.join(ARTIFACTS, 'guest-studio-green-room.png') });
    await page.screenshot({ path: path.join(ARTIFACTS, 'guest-green-room-chat.png') });
    await row.getByTestId('guest-admit').click();
    await waitFor('admitted', async () => (await row.getAttribute('data-state')) === 'admitted', 10_000);
    await waitFor('the guest on the show', async () => (await phaseOf(page)) === 'onshow', 10_000);
    await row.getByTestId('guest-add-to-scene').click();
    await waitFor('the guest live in the studio', async () => (await producer.getByTestId('source-Katherine').getAttribute('data-status')) === 'live', 30_000);
    await expect(row.getByTestId('guest-add-to-scene').count()).resolves.toBe(0);
    // The row says how the guest reaches the studio: their level (the tone, lowered by the guest's
    // browser noise suppression: a steady tone is what it takes for noise) and their connection.
    const network = await waitFor('the guest\'s connection measured', async () => {
      const n = row.getByTestId('guest-network');
      const kbps = Number((await n.getAttribute('data-kbps')) || 0);
      return kbps > 50 && (await n.getAttribute('data-rtt')) !== '' ? { kbps, rtt: Number(await n.getAttribute('data-rtt')), loss: Number(await n.getAttribute('data-loss')) } : undefined;
    }, 15_000);
    // A round trip on loopback, as WebRTC's stats say it: generous, since two CI runs and a browser
    // share two cores (268 ms seen then); what matters is that the row shows a measured one.
    expect(network.rtt).toBeGreaterThanOrEqual(0);
    expect(network.rtt).toBeLessThan(1000);
    expect(network.loss).toBeLessThan(5);
    await waitFor('the guest\'s level', async () => Number((await row.getByTestId('guest-level').getAttribute('data-peak')) ?? '-∞') > -50, 10_000);
    await row.getByTestId('guest-mute').click();
    await waitFor('muted', async () => (await guests()).find((g) => g.id === id)?.muted === true, 10_000);
    await waitFor('told', async () => /muted your sound/.test(await page.getByTestId('guest-status').innerText()), 10_000);
    // The program follows: the guest's strip muted in the mixer.
    const shown = (await api(host, 'GET', '/api/v1/scenes')).json as { sources: { name: string; audio: { muted: boolean } }[] };
    expect(shown.sources.find((s) => s.name === 'Katherine')?.audio.muted).toBe(true);
    await producer.screenshot({ path: path.join(ARTIFACTS, 'guest-studio-on-show.png') });

    // The guest reloads (a closed tab opened again): straight back on the show, into the same source.
    await page.reload();
    await waitFor('back on the show', async () => (await phaseOf(page)) === 'onshow', 15_000);
    await waitFor('sending again', async () => (await guests()).find((g) => g.id === id && g.live), 20_000);
    await waitFor('the same source live again', async () => (await producer.getByTestId('source-Katherine').getAttribute('data-status')) === 'live', 30_000);
    expect((await api(host, 'GET', '/api/v1/scenes')).json.sources.filter((s: { name: string }) => s.name === 'Katherine')).toHaveLength(1);
    await page.close();
  }, 120_000);

  it("a guest sends simulcast: the studio pulls the encoding that fills where it shows them, and switches as the scene changes", async () => {
    const guest = await invite({ name: 'Layers' });
    const page = await guestPage(guest.url);
    await waitFor('set up', async () => (await phaseOf(page)) === 'setup', 15_000);
    await page.getByTestId('guest-join').click();
    await waitFor('the green room', async () => (await phaseOf(page)) === 'waiting', 10_000);
    expect((await api(host, 'POST', `/api/v1/streams/show/guests/${guest.id}/admit`)).status).toBe(200);
    await waitFor('sending', async () => (await guests()).find((g) => g.id === guest.id && g.live), 20_000);

    // The WHEP layer extension on the studio's pull: named in a Link header, its encodings listed, bad choices refused.
    const probe = await producer.evaluate(async (gid) => {
      const pc = new RTCPeerConnection();
      pc.addTransceiver('video', { direction: 'recvonly' });
      pc.addTransceiver('audio', { direction: 'recvonly' });
      await pc.setLocalDescription(await pc.createOffer());
      await new Promise((r) => setTimeout(r, 500));
      const res = await fetch(`/guest/${gid}/whep`, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription!.sdp });
      await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
      const link = res.headers.get('Link') ?? '';
      const url = /<([^>]+)>/.exec(link)?.[1] ?? '';
      // The layers' sizes are known once each has sent a keyframe (and the browser sends its larger
      // encodings once its bandwidth estimate allows them).
      let listed: { layers: { encodingId: string; active: boolean; width: number; height: number }[]; wanted: string | null } = { layers: [], wanted: null };
      for (let i = 0; i < 40 && listed.layers.filter((l) => l.active && l.width > 0).length < 2; i++) {
        await new Promise((r) => setTimeout(r, 500));
        listed = await (await fetch(url)).json();
      }
      const post = async (body: string, type = 'application/json') => {
        const r = await fetch(url, { method: 'POST', headers: { 'Content-Type': type }, body });
        return { status: r.status, json: await r.json() };
      };
      const unknown = await post('{"encodingId":"zz"}');
      const extra = await post('{"encodingId":"f","spatialLayerId":1}');
      const text = await post('f', 'text/plain');
      const chosen = await post('{"mediaId":"0","encodingId":"h"}');
      await fetch(res.headers.get('Location')!, { method: 'DELETE' });
      pc.close();
      return { status: res.status, link, url, listed, unknown, extra, text, chosen };
    }, guest.id);
    expect(probe.status).toBe(201);
    expect(probe.link).toMatch(/^<\/guest\/gst_[a-z0-9]{12}\/session\/[A-Za-z0-9_-]{16}\/layer>; rel="urn:ietf:params:whep:ext:core:layer"$/);
    // The fake camera is 640x360: the browser makes its full and half encodings (a quarter is too small to send).
    expect(probe.listed.layers.map((l: { encodingId: string }) => l.encodingId)).toEqual(['f', 'h', 'q']);
    expect(probe.listed.layers.filter((l: { active: boolean }) => l.active).map((l: { width: number; height: number }) => `${l.width}x${l.height}`).sort(), JSON.stringify(probe.listed)).toEqual(['320x180', '640x360']);
    expect(probe.listed.wanted).toBeNull();
    expect([probe.unknown.status, probe.unknown.json.error.code, probe.unknown.json.error.details.encodings]).toEqual([422, 'LAYER_UNAVAILABLE', ['f', 'h', 'q']]);
    expect([probe.extra.status, probe.extra.json.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect([probe.text.status, probe.text.json.error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    expect([probe.chosen.status, probe.chosen.json.wanted]).toEqual([200, 'h']);
    // Only a producer chooses: the guest's own link is refused.
    const asGuest = await fetch(`${host.url}${probe.url}`, { headers: { Authorization: `Bearer ${guest.url.split('#')[1]}` } });
    expect(asGuest.status).toBe(401);

    // In a corner of the program (320x180 of 1280x720): the studio takes the half-size encoding.
    expect((await api(host, 'PATCH', '/api/v1/scenes/studio', { stream: 'show' })).status).toBe(200);
    await producer.goto(`${host.url}/#/studio`);
    await producer.getByTestId('guests-panel').waitFor();
    const source = (await api(host, 'POST', '/api/v1/scenes/sources', { name: 'Layers', settings: { kind: 'guest', guestId: guest.id } })).json as { id: string };
    const scene = (await api(host, 'POST', '/api/v1/scenes', { name: 'Corner', layout: 'free', items: [{ sourceId: source.id, x: 940, y: 520, width: 320, height: 180 }] })).json as { id: string; items: { id: string }[] };
    expect((await api(host, 'PATCH', '/api/v1/scenes/studio', { programSceneId: scene.id, previewSceneId: scene.id })).status).toBe(200);
    const row = producer.getByTestId(`guest-row-${guest.id}`);
    // The row shows what the pull receives (its picture's size) and the host's word on its layer.
    const received = async (width: number, current: string) =>
      waitFor(`the studio receiving ${width} wide (${current})`, async () => {
        const el = row.getByTestId('guest-layer');
        if ((await el.count()) === 0) return undefined;
        return Number(await el.getAttribute('data-width')) === width && (await el.getAttribute('data-current')) === current ? await el.innerText() : undefined;
      }, 30_000);
    const kbps = async () => Number(await row.getByTestId('guest-network').getAttribute('data-kbps'));
    expect(await received(320, 'h')).toBe('Picture 320×180 (a smaller layer of 640×360)');
    await new Promise((r) => setTimeout(r, 3000));
    const smallKbps = await kbps();
    await producer.screenshot({ path: path.join(ARTIFACTS, 'guest-studio-small-layer.png') });
    // Shown whole: the full encoding, switched at its keyframe.
    expect((await api(host, 'PATCH', `/api/v1/scenes/${scene.id}`, { items: [{ id: scene.items[0]!.id, sourceId: source.id, x: 0, y: 0, width: 1280, height: 720 }] })).status).toBe(200);
    expect(await received(640, 'f')).toBe('Picture 640×360');
    await new Promise((r) => setTimeout(r, 3000));
    console.log(`guest layers: shown small ${smallKbps} kb/s (320x180), shown whole ${await kbps()} kb/s (640x360)`);
    await page.close();
  }, 120_000);

  it('a guest who blocks the camera joins with sound only (the browser prompt answered Block by a stand-in)', async () => {
    const guest = await invite({ name: 'Audio' });
    const page = await browser.newPage();
    // Chromium's fake prompt allows everything: this stands in for a person who blocks the camera.
    await page.addInitScript(() => {
      const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      navigator.mediaDevices.getUserMedia = (c) => (c?.video ? Promise.reject(new DOMException('Permission denied', 'NotAllowedError')) : real(c));
    });
    await page.goto(guest.url);
    await page.getByTestId('guest-audio-only').waitFor({ timeout: 15_000 });
    await page.getByTestId('guest-join').click();
    await waitFor('the green room', async () => (await phaseOf(page)) === 'waiting', 10_000);
    await api(host, 'POST', `/api/v1/streams/show/guests/${guest.id}/admit`);
    const live = await waitFor('sending sound', async () => (await guests()).find((g) => g.id === guest.id && g.live), 20_000);
    expect(live.media).toEqual({ video: false, audio: true });
    // The studio takes a sound-only guest as it is: its offer's video section is answered rejected, the sound flows.
    const pulled = await startWhepViewer(producer, `/guest/${guest.id}/whep`);
    expect(pulled.status, pulled.body).toBe(201);
    expect(pulled.body).toMatch(/^m=video 0 /m);
    await waitFor('the guest heard in the studio', async () => ((await inboundStats(producer)).audioPackets > 20 ? true : undefined), 20_000);
    await page.close();
  }, 60_000);
});
