// A host killed outright (SIGKILL: no cleanup runs) while it has a virtual display, a live stream
// being packaged and recorded, and an ffmpeg relay: none of its children may outlive it. They carry a
// parent-death signal (setpriv) and die with it; without one, the next host on that home reaps them
// from the ledger of children before it starts anything.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { api, startHost, cleanEnv, type HostProcess } from '../../test-support/host-process.js';
import { exitOf, publishTestPattern } from '../../test-support/media.js';
import { needs } from '../../test-support/peers.js';
import { waitFor } from '../../test-support/wait.js';
import { findSetpriv } from '../core/children.js';

/** Every process below `root` (Linux /proc), with its command name. */
function descendants(root: number): { pid: number; name: string }[] {
  const parent = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      names.set(Number(entry), stat.slice(stat.indexOf('(') + 1, close));
      parent.set(Number(entry), Number(stat.slice(close + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: { pid: number; name: string }[] = [];
  const walk = (pid: number): void => {
    for (const [child, ppid] of parent) {
      if (ppid === pid) {
        out.push({ pid: child, name: names.get(child) ?? '?' });
        walk(child);
      }
    }
  };
  walk(root);
  return out;
}

/** Alive and not a zombie. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const publishers: ReturnType<typeof publishTestPattern>[] = [];
const strays: number[] = [];
afterEach(async () => {
  for (const p of publishers.splice(0)) {
    p.kill('SIGKILL');
    await exitOf(p);
  }
  for (const pid of strays.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

/** A host doing everything that starts a child: display, packager, recorder, ffmpeg relay. Resolves to its children. */
async function busyHost(host: HostProcess): Promise<{ pid: number; name: string }[]> {
  const display = await api(host, 'POST', '/api/v1/displays', { width: 640, height: 360 });
  expect(display.status).toBe(201);
  const show = (await api(host, 'POST', '/api/v1/streams', { name: 'show', ladder: 'passthrough', record: true })).json;
  const copy = (await api(host, 'POST', '/api/v1/streams', { name: 'copy', ladder: 'passthrough' })).json;
  const dest = await api(host, 'POST', '/api/v1/streams/show/destinations', { url: copy.ingest.rtmp, key: copy.key, rendition: '360p', autoStart: true });
  expect(dest.status).toBe(201);
  publishers.push(publishTestPattern(`${show.ingest.rtmp}/${show.key}`, { size: '640x360' }));
  return waitFor('Xvfb, the packagers, the recorder and the relay running', async () => {
    const list = descendants(host.proc.pid!);
    const names = list.map((c) => c.name);
    const ffmpegs = names.filter((n) => n === 'ffmpeg').length;
    const recording = (await api(host, 'GET', '/api/v1/streams/show')).json.recording;
    // packager of show + recorder + relay + packager of copy
    return names.includes('Xvfb') && ffmpegs >= 4 && recording ? list : undefined;
  }, 40_000);
}

describe.skipIf(process.platform !== 'linux' || needs('xvfb'))('a host killed with SIGKILL leaves no child running', () => {
  it.skipIf(findSetpriv() === null)('its children die with it within 2 s (parent-death signal)', { timeout: 90_000 }, async () => {
    const host = await startHost();
    const children = await busyHost(host);
    strays.push(...children.map((c) => c.pid));
    host.proc.kill('SIGKILL');
    await exitOf(host.proc);
    const killedAt = Date.now();
    const left = await waitFor('every child gone', () => (children.every((c) => !alive(c.pid)) ? true : undefined), 2000, 50).catch(() =>
      children.filter((c) => alive(c.pid)),
    );
    expect(left, `still running ${Date.now() - killedAt} ms after the kill`).toBe(true);
    fs.rmSync(host.home, { recursive: true, force: true });
  });

  it('without a parent-death signal, the next host on that home reaps them before it starts, and says so', { timeout: 90_000 }, async () => {
    const first = await startHost({ env: cleanEnv({ STREAMS_PDEATHSIG: 'off' }) });
    const children = await busyHost(first);
    strays.push(...children.map((c) => c.pid));
    first.proc.kill('SIGKILL');
    await exitOf(first.proc);
    // The publisher goes, so nothing keeps the ffmpegs busy; Xvfb at least stays.
    for (const p of publishers.splice(0)) {
      p.kill('SIGKILL');
      await exitOf(p);
    }
    await new Promise((r) => setTimeout(r, 500));
    const orphans = children.filter((c) => alive(c.pid));
    expect(orphans.map((c) => c.name)).toContain('Xvfb');
    const ledger = fs.readdirSync(path.join(first.home, 'children'));
    expect(ledger.length).toBeGreaterThanOrEqual(orphans.length);

    const next = await startHost({ home: first.home });
    try {
      expect(children.filter((c) => alive(c.pid))).toEqual([]);
      const log = fs.readFileSync(path.join(first.home, 'logs', 'host.log'), 'utf8');
      expect(log).toMatch(/reaped \d+ child process\(es\) left by a host that was killed/);
      expect(log).toContain('Xvfb');
    } finally {
      expect(await next.stop('SIGTERM')).toBe(0);
    }
    expect(fs.readdirSync(path.join(first.home, 'children'))).toEqual([]);
    fs.rmSync(first.home, { recursive: true, force: true });
  });
});
