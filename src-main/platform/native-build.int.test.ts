// The native addon's build (native/build.mjs) with the system's compiler, on a machine whose wlroots
// libraries do not compile with our part (another version than ours expects: a pkg-config in front of the
// real one adds a header that stops the compile, as a broken -dev package would): the addon is built
// without that part, says why, loads, and is not rebuilt at every build for it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../test-support/host-process.js';
import { needs } from '../../test-support/peers.js';

const BUILD = path.join(ROOT, 'native', 'build.mjs');

interface Status { ok: boolean; features?: string[]; missing?: string[]; failed?: string[]; reason?: string; builtAt: string }

describe.skipIf(needs('wlroots-dev'))('the native build leaves out a part that does not compile here (real compiler; a broken library stood in by pkg-config)', () => {
  let dir = '';
  let env: NodeJS.ProcessEnv = {};
  const build = (...args: string[]): { status: number | null; out: string } => {
    const r = spawnSync(process.execPath, [BUILD, '--out', path.join(dir, 'out'), ...args], { env, encoding: 'utf8', timeout: 120_000 });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const status = (): Status => JSON.parse(fs.readFileSync(path.join(dir, 'out', 'status.json'), 'utf8')) as Status;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'native-build-'));
    const realPkgConfig = spawnSync('sh', ['-c', 'command -v pkg-config'], { encoding: 'utf8' }).stdout.trim();
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.writeFileSync(path.join(dir, 'broken.h'), '#error "this wayland-client is not the one expected"\n');
    fs.writeFileSync(path.join(dir, 'bin', 'pkg-config'), [
      '#!/bin/sh',
      `out=$("${realPkgConfig}" "$@") || exit $?`,
      `case " $* " in *" --cflags "*wayland-client*) out="$out -include ${path.join(dir, 'broken.h')}";; esac`,
      'echo "$out"',
      '',
    ].join('\n'), { mode: 0o755 });
    env = { ...process.env, PATH: `${path.join(dir, 'bin')}${path.delimiter}${process.env.PATH ?? ''}` };
  });

  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('builds the addon without the wlroots part, says why, and the addon loads with the other parts', () => {
    const r = build();
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/native: built .*without wlroots: did not compile with the wayland-client and xkbcommon found here \(.*error: #error "this wayland-client is not the one expected"\)/);
    const built = status();
    expect(built).toMatchObject({ ok: true, failed: ['wlroots'] });
    expect(built.features).not.toContain('wlroots');
    expect(built.missing).toEqual(expect.arrayContaining([expect.stringMatching(/^wlroots: did not compile/)]));
    const addon = createRequire(import.meta.url)(path.join(dir, 'out', 'streams_native.node')) as { features: string[] };
    expect(addon.features).toEqual(built.features);
    expect(fs.readdirSync(path.join(dir, 'out')).sort()).toEqual(['status.json', 'streams_native.node']);
  }, 150_000);

  it('is not built again at each build for the part that failed (only when the sources change)', () => {
    const before = status().builtAt;
    const r = build('--if-stale');
    expect(r.status, r.out).toBe(0);
    expect(r.out).toBe('');
    expect(status().builtAt).toBe(before);
  }, 60_000);

  it('with the library as it should be, the part is back', () => {
    env = { ...env, PATH: process.env.PATH ?? '' };
    const r = build();
    expect(r.status, r.out).toBe(0);
    const built = status();
    expect(built.features).toContain('wlroots');
    expect(built.failed).toBeUndefined();
  }, 150_000);
});
