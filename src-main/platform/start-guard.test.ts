import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CRASH_LOOP_STARTS, safeModeReason, StartGuard } from './start-guard.js';

let home: string;
const recordOf = (): Record<string, unknown> | null => {
  const file = path.join(home, 'starting.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>) : null;
};

beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'start-guard-'));
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

describe('StartGuard', () => {
  it('counts starts that never finished, and the third in a row makes the next a safe mode', () => {
    for (let n = 1; n <= CRASH_LOOP_STARTS; n++) {
      const guard = StartGuard.begin(home);
      expect(guard.safeMode).toBeNull();
      guard.phase('service:live');
      expect(recordOf()).toMatchObject({ attempts: n, phase: 'service:live', error: null });
      // ... and the process dies here.
    }
    const safe = StartGuard.begin(home);
    expect(safe.safeMode).toMatchObject({ attempts: 3, phase: 'service:live', error: null });
    expect(safe.safeMode?.reason).toBe('The last 3 starts did not finish: the last one was killed or crashed while starting the service live. Media servers, jobs and automatic starts are off until the next normal start.');
    // A safe-mode start that dies too keeps the next one safe.
    expect(recordOf()).toMatchObject({ attempts: 4, phase: 'database' });
    expect(StartGuard.begin(home).safeMode?.attempts).toBe(4);
  });

  it('a host killed while it writes its record leaves the last record whole, so the count goes on', () => {
    for (let n = 1; n < CRASH_LOOP_STARTS; n++) StartGuard.begin(home).phase('service:live');
    const guard = StartGuard.begin(home);
    guard.phase('service:live');
    // Killed in the middle of its next write: the file it was writing is created empty, nothing more.
    const write = vi.spyOn(fs, 'writeFileSync').mockImplementation((target) => {
      fs.closeSync(fs.openSync(target as string, 'w'));
      throw new Error('killed');
    });
    try {
      guard.phase('service:children');
    } finally {
      write.mockRestore();
    }
    expect(recordOf()).toMatchObject({ attempts: CRASH_LOOP_STARTS, phase: 'service:live' });
    expect(StartGuard.begin(home).safeMode).toMatchObject({ attempts: CRASH_LOOP_STARTS, phase: 'service:live' });
    expect(fs.readdirSync(home).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a clean stop or a stable run clears the count; a caught error is kept with its message', () => {
    const first = StartGuard.begin(home);
    first.failed(new Error('EACCES: permission denied, open recordings'));
    const second = StartGuard.begin(home);
    expect(second.previous).toMatchObject({ attempts: 1, error: 'EACCES: permission denied, open recordings' });
    second.started();
    expect(recordOf()).toMatchObject({ attempts: 2, phase: 'running' });
    second.clear();
    expect(recordOf()).toBeNull();
    // Nothing is written after the clear (a late phase from a stopping service).
    second.phase('service:http');
    expect(recordOf()).toBeNull();
    expect(StartGuard.begin(home).previous).toBeNull();
  });

  it('says where and how the last start ended', () => {
    expect(safeModeReason({ attempts: 5, phase: 'running', error: 'out of memory', pid: 1, at: 0 })).toMatch(/^The last 5 starts did not finish: the last one failed with "out of memory" just after it started\./);
    expect(safeModeReason({ attempts: 3, phase: 'database', error: null, pid: 1, at: 0 })).toMatch(/killed or crashed while starting database\./);
  });

  it('--safe-mode asks for it without a crash loop; a damaged record counts as none', () => {
    expect(StartGuard.begin(home, { force: true }).safeMode).toMatchObject({ attempts: 0, phase: 'asked' });
    fs.writeFileSync(path.join(home, 'starting.json'), '{"attempts": "many"');
    const guard = StartGuard.begin(home);
    expect(guard.previous).toBeNull();
    expect(guard.safeMode).toBeNull();
  });
});
