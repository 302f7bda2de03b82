import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StudioError } from '../core/errors.js';
import { ensureApiToken, HomeLock, prepareHome } from './home.js';
import { homeLayout } from './paths.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-home-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const modeOf = (file: string): number => fs.statSync(file).mode & 0o777;

async function rejection(promise: Promise<unknown>): Promise<StudioError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(StudioError);
    return error as StudioError;
  }
  throw new Error('expected a StudioError');
}

describe('prepareHome', () => {
  it('creates the home and its logs folder, leaving no probe file', () => {
    const layout = homeLayout(path.join(tmp, 'a', 'deep', 'home'));
    prepareHome(layout);
    expect(fs.statSync(layout.root).isDirectory()).toBe(true);
    expect(fs.statSync(layout.logs).isDirectory()).toBe(true);
    expect(fs.readdirSync(layout.root)).toEqual(['logs']);
    prepareHome(layout);
  });

  it('refuses a home below a regular file with HOME_UNWRITABLE naming the path', () => {
    const file = path.join(tmp, 'plain-file');
    fs.writeFileSync(file, 'x');
    const root = path.join(file, 'home');
    let error: unknown;
    try {
      prepareHome(homeLayout(root));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StudioError);
    expect((error as StudioError).code).toBe('HOME_UNWRITABLE');
    expect((error as StudioError).message).toBe(`cannot write the studio home ${root} (ENOTDIR)`);
    expect((error as StudioError).details).toEqual({ path: root });
  });

  it('refuses a home that is a regular file', () => {
    const file = path.join(tmp, 'home-is-a-file');
    fs.writeFileSync(file, 'x');
    expect(() => prepareHome(homeLayout(file))).toThrow(expect.objectContaining({ code: 'HOME_UNWRITABLE' }) as Error);
  });
});

describe('ensureApiToken', () => {
  it('creates a random 256-bit token with mode 0600, and returns the same one afterwards', () => {
    const file = path.join(tmp, 'api-token-new');
    const token = ensureApiToken(file);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fs.readFileSync(file, 'utf8')).toBe(`${token}\n`);
    expect(modeOf(file)).toBe(0o600);
    expect(ensureApiToken(file)).toBe(token);
    expect(ensureApiToken(file)).toBe(token);
    expect(ensureApiToken(path.join(tmp, 'api-token-other'))).not.toBe(token);
  });

  it('never starts a token with a dash or underscore (a command line would read it as an option)', () => {
    for (let i = 0; i < 200; i++) expect(ensureApiToken(path.join(tmp, `api-token-lead-${i}`))).toMatch(/^[A-Za-z0-9]/);
  });

  it('tightens loose permissions of an existing token file and keeps the token', () => {
    const file = path.join(tmp, 'api-token-loose');
    const existing = 'E'.repeat(40);
    fs.writeFileSync(file, `${existing}\n`, { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    expect(ensureApiToken(file)).toBe(existing);
    expect(modeOf(file)).toBe(0o600);
  });

  it('replaces a token that is too short to be safe', () => {
    const file = path.join(tmp, 'api-token-short');
    fs.writeFileSync(file, 'short\n', { mode: 0o600 });
    const token = ensureApiToken(file);
    expect(token).not.toBe('short');
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(modeOf(file)).toBe(0o600);
  });

  it('rethrows errors other than a missing file', () => {
    expect(() => ensureApiToken(tmp)).toThrow(expect.objectContaining({ code: 'EISDIR' }) as Error);
  });
});

describe('HomeLock', () => {
  it('derives one address per home, by platform, whatever the spelling of the path', () => {
    const home = path.join(tmp, 'lock-a');
    const linux = HomeLock.addressFor(home, 'linux');
    expect(linux.isFile).toBe(false);
    expect(linux.address).toMatch(/^\0streams-studio-[0-9a-f]{24}$/);
    expect(HomeLock.addressFor(`${home}/./`, 'linux')).toEqual(linux);
    expect(HomeLock.addressFor(path.join(tmp, 'lock-b'), 'linux')).not.toEqual(linux);
    expect(HomeLock.addressFor(home, 'win32').address).toMatch(/^\\\\\.\\pipe\\streams-studio-[0-9a-f]{24}$/);
    expect(HomeLock.addressFor(home, 'darwin')).toEqual({ address: path.join(home, 'host.sock'), isFile: true });
  });

  it('refuses a second lock on the same home with HOME_LOCKED naming the holder pid; release frees it', async () => {
    const home = path.join(tmp, 'locked-home');
    fs.mkdirSync(home);
    const first = await HomeLock.acquire(home, () => ({ pid: 4242, url: 'http://127.0.0.1:7070' }));
    try {
      const error = await rejection(HomeLock.acquire(home, () => ({ pid: 1 })));
      expect(error.code).toBe('HOME_LOCKED');
      expect(error.message).toBe(`another host is already running on home ${home} (pid 4242, http://127.0.0.1:7070)`);
      expect(error.details).toEqual({ path: home, holder: { pid: 4242, url: 'http://127.0.0.1:7070' } });
      // Another home is independent.
      const other = await HomeLock.acquire(path.join(tmp, 'other-home'), () => ({ pid: 5 }));
      await other.release();
    } finally {
      await first.release();
    }
    const again = await HomeLock.acquire(home, () => ({ pid: process.pid }));
    const error = await rejection(HomeLock.acquire(home, () => ({ pid: 1 })));
    expect(error.message).toContain(`(pid ${process.pid}, starting)`);
    await again.release();
  });
});
