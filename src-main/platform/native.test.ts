import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNative, nativeFeature } from './native.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'native-'));

describe('native addon loader', () => {
  it("says why when the addon was not built, in the build's own words where it left them", () => {
    const empty = tmp();
    expect(loadNative(empty)).toEqual({ ok: false, reason: expect.stringContaining('was not built') });
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'status.json'), JSON.stringify({ ok: false, reason: 'no C compiler (cc, gcc or clang) on the PATH' }));
    expect(loadNative(dir)).toEqual({ ok: false, reason: 'no C compiler (cc, gcc or clang) on the PATH' });
    expect(nativeFeature('pipewire', loadNative(dir))).toEqual({ ok: false, reason: 'no C compiler (cc, gcc or clang) on the PATH' });
  });

  it('refuses a file that is not an addon with the loader\'s reason', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'streams_native.node'), 'not an ELF file');
    const status = loadNative(dir);
    expect(status.ok).toBe(false);
    expect(!status.ok && status.reason).toMatch(/^the native addon does not load: /);
  });

  it('names a part the build left out, and why', () => {
    const status = { ok: true as const, addon: { features: [], napiVersion: 8 }, features: [], missing: ['pipewire: libpipewire-0.3 not found by pkg-config (Debian: libpipewire-0.3-dev)'], path: 'x' };
    expect(nativeFeature('pipewire', status)).toEqual({ ok: false, reason: 'the native addon was built without pipewire: libpipewire-0.3 not found by pkg-config (Debian: libpipewire-0.3-dev)' });
    expect(nativeFeature('srtp', status)).toEqual({ ok: false, reason: 'the native addon has no srtp part' });
  });
});
