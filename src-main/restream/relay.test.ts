import { afterEach, describe, expect, it } from 'vitest';
import { FakeChildren, FakePath } from '../../test-support/fake-ffmpeg.js';
import { waitFor } from '../../test-support/wait.js';
import { silentLogger } from '../core/logger.js';
import { Relay, type RelayLaunch, type RelayStatus, type RelaySupervision } from './relay.js';

const KEY = 'live_secret_key_1234';
const launch: RelayLaunch = {
  ffmpegPath: 'ffmpeg',
  args: ['-i', 'pipe:0', `rtmp://h/app/${KEY}`],
  logArgs: ['-i', 'pipe:0', '<publish url>'],
  redact: (t) => t.split(KEY).join('<key>'),
};
const fast: Partial<RelaySupervision> = {
  backoff: { baseMs: 20, maxMs: 80, jitter: 0 },
  maxFailures: 4,
  stableMs: 150,
  stopGraceMs: 200,
  statsIntervalMs: 0,
};

let relays: Relay[] = [];
afterEach(async () => {
  await Promise.all(relays.map((r) => r.dispose()));
  relays = [];
});

function setup(options: { supervision?: Partial<RelaySupervision>; prepare?: () => Promise<RelayLaunch> } = {}) {
  const children = new FakeChildren();
  const path = new FakePath();
  const changes: (RelayStatus & { at: number })[] = [];
  const relay = new Relay({
    id: 'main/dst_1',
    prepare: options.prepare ?? (() => Promise.resolve(launch)),
    attach: path.attach,
    children,
    logger: silentLogger(),
    onChange: (s) => changes.push({ ...s, at: Date.now() }),
    supervision: { ...fast, ...options.supervision },
    random: () => 0.5,
  });
  relays.push(relay);
  const states = () => changes.map((c) => c.state).filter((s, i, all) => s !== all[i - 1]);
  return { children, path, relay, changes, states };
}

async function goLive(t: ReturnType<typeof setup>, spawned = t.children.spawned.length + 1) {
  await waitFor('ffmpeg spawned', () => t.children.spawned.length === spawned, 3000, 5);
  t.children.last.progress(1000);
  t.children.last.progress(1000);
  await waitFor('the relay live', () => t.relay.current.state === 'live', 3000, 5);
}

describe('Relay', () => {
  it('connects, goes live when the output grows, reports bitrate and uptime, and feeds ffmpeg from its own reader', async () => {
    const t = setup();
    t.relay.start();
    expect(t.relay.current.state).toBe('connecting');
    await waitFor('the relay attached', () => t.path.readers.size === 1, 3000, 5);
    t.path.push(5000);
    await waitFor('5000 bytes on ffmpeg stdin', () => t.children.last.stdinBytes === 5000, 3000, 5);
    expect(t.children.last.args).toEqual(launch.args);
    t.children.last.progress(0);
    await new Promise((r) => setTimeout(r, 20));
    expect(t.relay.current.state).toBe('connecting'); // nothing written yet
    const before = Date.now();
    await goLive(t, 1);
    expect(t.relay.current.since).toBeGreaterThanOrEqual(before);
    await new Promise((r) => setTimeout(r, 100));
    t.children.last.progress(12_500); // 100 kbit more, ~100+ ms later
    await waitFor('a bitrate', () => t.relay.current.bitrateKbps > 0, 3000, 5);
    expect(t.relay.current.bitrateKbps).toBeLessThan(1200);
    t.relay.start(); // idempotent
    expect(t.children.spawned).toHaveLength(1);
    expect(t.states()).toEqual(['connecting', 'live']);
  });

  it('retries with backoff after a failure, with a fresh reader and process, and the key stripped from the error', async () => {
    const t = setup();
    t.relay.start();
    await goLive(t, 1);
    const firstReader = [...t.path.readers][0];
    t.children.last.fail(`[error] Error writing trailer of rtmp://h/app/${KEY}: Broken pipe\n`);
    await waitFor('the relay retrying', () => t.relay.current.state === 'retrying', 3000, 5);
    const retrying = t.relay.current;
    expect(retrying).toMatchObject({ retries: 1, since: null, bitrateKbps: 0, error: 'Error writing trailer of rtmp://h/app/<key>: Broken pipe' });
    expect(retrying.nextRetryAt! - Date.now()).toBeLessThanOrEqual(20);
    expect(t.path.readers.size).toBe(0);
    await goLive(t, 2);
    expect([...t.path.readers][0]).not.toBe(firstReader);
    expect(t.relay.current.error).toBeNull();
    // Live past stableMs: the failure count starts again.
    await waitFor('the retries reset', () => t.relay.current.retries === 0, 1000, 5);
    expect(t.states()).toEqual(['connecting', 'live', 'retrying', 'connecting', 'live']);
  });

  it('gives up after maxFailures in a row, doubling the delay each time', async () => {
    const t = setup();
    t.relay.start();
    for (let n = 1; n <= 4; n++) {
      await waitFor('ffmpeg #n', () => t.children.spawned.length === n, 3000, 5);
      t.children.last.fail('[tcp @ 0x1] [error] Connection to tcp://h:1935 failed: Connection refused\n[error] rtmp://h/app/x: Connection refused\n');
      await waitFor('retry n, then failed', () => (n < 4 ? t.relay.current.state === 'retrying' && t.relay.current.retries === n : t.relay.current.state === 'failed'), 3000, 5);
    }
    const delays = t.changes.filter((c) => c.state === 'retrying').map((c) => Math.round((c.nextRetryAt! - c.at) / 10) * 10);
    expect(delays).toEqual([20, 40, 80]);
    expect(t.relay.current).toMatchObject({ state: 'failed', retries: 4, nextRetryAt: null, error: 'rtmp://h/app/x: Connection refused (4 failures in a row)' });
    await new Promise((r) => setTimeout(r, 120));
    expect(t.children.spawned).toHaveLength(4);
    // start() from failed starts over.
    t.relay.start();
    await waitFor('the fifth ffmpeg', () => t.children.spawned.length === 5, 3000, 5);
    expect(t.relay.current).toMatchObject({ state: 'connecting', retries: 0, error: null });
  });

  it('fails on the second refusal of the key in a row, with the server reason', async () => {
    const t = setup();
    t.relay.start();
    await waitFor('the first ffmpeg', () => t.children.spawned.length === 1, 3000, 5);
    t.children.last.fail('[rtmp @ 0x1] [error] Server error: Stream key refused.\n[error] rtmp://h/app/x: Operation not permitted\n');
    await waitFor('the relay retrying', () => t.relay.current.state === 'retrying', 3000, 5);
    await waitFor('the second ffmpeg', () => t.children.spawned.length === 2, 3000, 5);
    t.children.last.fail('[rtmp @ 0x1] [error] Server error: Stream key refused.\n');
    await waitFor('the relay failed', () => t.relay.current.state === 'failed', 3000, 5);
    expect(t.relay.current).toMatchObject({ retries: 2, error: 'the server refused the stream: Stream key refused.' });
    expect(t.states()).toEqual(['connecting', 'retrying', 'connecting', 'failed']);
  });

  it('goes idle, not retrying, when the stream ends and ffmpeg finishes', async () => {
    const t = setup();
    t.relay.start();
    await goLive(t, 1);
    t.path.end('publisher disconnected');
    await waitFor('the relay idle', () => t.relay.current.state === 'idle', 3000, 5);
    expect(t.relay.current).toMatchObject({ since: null, bitrateKbps: 0, error: null });
    await new Promise((r) => setTimeout(r, 60));
    expect(t.children.spawned).toHaveLength(1);
  });

  it('stop() closes stdin and waits for ffmpeg; one that hangs is killed after the grace period', async () => {
    const t = setup();
    t.relay.start();
    await goLive(t, 1);
    await t.relay.stop();
    expect(t.children.last.exitCode).toBe(0);
    expect(t.children.last.kills).toEqual([]);
    expect(t.relay.current.state).toBe('idle');
    expect(t.path.readers.size).toBe(0);

    t.children.exitOnStdinEnd = false;
    t.relay.start();
    await goLive(t, 2);
    const started = Date.now();
    await t.relay.stop();
    expect(t.children.last.kills).toEqual(['SIGKILL']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('stop() during a backoff cancels the retry; dispose() kills at once', async () => {
    const t = setup({ supervision: { backoff: { baseMs: 100, maxMs: 100, jitter: 0 } } });
    t.relay.start();
    await waitFor('the first ffmpeg', () => t.children.spawned.length === 1, 3000, 5);
    t.children.last.fail('boom\n');
    await waitFor('the relay retrying', () => t.relay.current.state === 'retrying', 3000, 5);
    await t.relay.stop();
    await new Promise((r) => setTimeout(r, 150));
    expect(t.children.spawned).toHaveLength(1);
    t.children.exitOnStdinEnd = false;
    t.relay.start();
    await waitFor('the second ffmpeg', () => t.children.spawned.length === 2, 3000, 5);
    await t.relay.dispose();
    expect(t.children.last.kills).toEqual(['SIGKILL']);
  });

  it('fails without retrying when ffmpeg cannot be found or started', async () => {
    const t = setup({ prepare: () => Promise.reject(new Error('ffmpeg was not found')) });
    t.relay.start();
    await waitFor('the relay failed', () => t.relay.current.state === 'failed', 3000, 5);
    expect(t.relay.current.error).toBe('ffmpeg was not found');
    const u = setup();
    u.relay.start();
    await waitFor('the first ffmpeg', () => u.children.spawned.length === 1, 3000, 5);
    u.children.last.emit('error', Object.assign(new Error('spawn ffmpeg ENOENT'), { code: 'ENOENT' }));
    await waitFor('the relay failed', () => u.relay.current.state === 'failed', 3000, 5);
    expect(u.relay.current.error).toBe('could not start ffmpeg: spawn ffmpeg ENOENT');
  });
});
