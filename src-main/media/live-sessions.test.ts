import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LiveSession } from './types.js';
import { continuesRun, LiveSessions } from './live-sessions.js';

const ended = (endedAt: number | null): LiveSession => ({ id: 'a', dir: '/x', startedAt: 0, endedAt, renditions: [], discontinuityBefore: false });

describe('continuesRun', () => {
  it('continues for a restarted packager, whatever the last session', () => {
    expect(continuesRun(undefined, true, 0, 1000)).toBe(true);
  });

  it('continues when the last session ended within the window', () => {
    expect(continuesRun(ended(10_000), false, 10_999, 1000)).toBe(true);
    expect(continuesRun(ended(10_000), false, 11_000, 1000)).toBe(false);
  });

  it('starts a new run with no previous session or one still running', () => {
    expect(continuesRun(undefined, false, 0, 1000)).toBe(false);
    expect(continuesRun(ended(null), false, 0, 1000)).toBe(false);
  });
});

describe('LiveSessions', () => {
  let root: string;
  beforeEach(() => {
    root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'live-sessions-')), 'live');
  });
  afterEach(() => fs.rmSync(path.dirname(root), { recursive: true, force: true }));

  it('wipes the root at reset', () => {
    fs.mkdirSync(path.join(root, 'old', 'x'), { recursive: true });
    new LiveSessions({ root }).reset();
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('opens a folder per session under the stream, with unique ids', () => {
    const sessions = new LiveSessions({ root });
    const first = sessions.open('show');
    sessions.end('show');
    const second = sessions.open('show', true);
    expect(first.id).not.toBe(second.id);
    expect(first.id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(path.dirname(first.dir)).toBe(path.join(root, 'show'));
    expect(fs.statSync(second.dir).isDirectory()).toBe(true);
    expect(sessions.of('show').map((s) => s.id)).toEqual([first.id, second.id]);
    expect(second.discontinuityBefore).toBe(true);
    expect(first.discontinuityBefore).toBe(false);
  });

  it('ends only the current session, once', () => {
    const sessions = new LiveSessions({ root });
    sessions.open('show');
    sessions.end('show');
    const at = sessions.of('show')[0]!.endedAt;
    expect(at).not.toBeNull();
    sessions.end('show');
    expect(sessions.of('show')[0]!.endedAt).toBe(at);
    sessions.end('nobody');
  });

  it('drops a run that ended longer ago than the resume window, folders included', () => {
    const sessions = new LiveSessions({ root, resumeWindowMs: 0 });
    const old = sessions.open('show');
    sessions.end('show');
    const next = sessions.open('show');
    expect(next.discontinuityBefore).toBe(false);
    expect(sessions.of('show')).toEqual([next]);
    expect(fs.existsSync(old.dir)).toBe(false);
  });

  it('keeps the run when the publisher returns within the window', () => {
    const sessions = new LiveSessions({ root, resumeWindowMs: 60_000 });
    sessions.open('show');
    sessions.end('show');
    const next = sessions.open('show');
    expect(next.discontinuityBefore).toBe(true);
    expect(sessions.of('show')).toHaveLength(2);
  });

  it('forgets a deleted stream and its folder', () => {
    const sessions = new LiveSessions({ root });
    sessions.open('show');
    sessions.forget('show');
    expect(sessions.of('show')).toEqual([]);
    expect(fs.existsSync(path.join(root, 'show'))).toBe(false);
  });
});
