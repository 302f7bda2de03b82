// The X clipboard bridge against a real X server (Xvfb) and a real X client of it (xclip).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needs } from '../../test-support/peers.js';
import { waitFor } from '../../test-support/wait.js';
import { openX11Clipboard } from './clipboard.linux.js';

/** Starts Xvfb on a display number it picks itself; resolves with ":N". */
function startXvfb(): Promise<{ name: string; child: ChildProcess }> {
  const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '320x240x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let text = '';
    (child.stdio[3] as NodeJS.ReadableStream).setEncoding('utf8').on('data', (t: string) => {
      text += t;
      if (text.endsWith('\n')) resolve({ name: `:${text.trim()}`, child });
    });
    child.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}`)));
  });
}

/** What an application pastes (asynchronous: the bridge answers from this same process). */
const xclipOut = (display: string): Promise<string> =>
  new Promise((resolve) => {
    execFile('xclip', ['-o', '-selection', 'clipboard'], { env: { ...process.env, DISPLAY: display }, encoding: 'utf8', timeout: 3000 }, (_error, stdout) => resolve(stdout));
  });

describe.skipIf(needs('xvfb', 'xclip'))('X11 clipboard bridge (real Xvfb and xclip)', () => {
  let xvfb: { name: string; child: ChildProcess };
  const copiers: ChildProcess[] = [];

  /** An X application copying `text`: xclip stays in the foreground (-quiet) owning the selection. */
  const copy = (text: string): void => {
    const child = spawn('xclip', ['-quiet', '-selection', 'clipboard', '-i'], { env: { ...process.env, DISPLAY: xvfb.name }, stdio: ['pipe', 'ignore', 'ignore'] });
    child.stdin.end(text);
    copiers.push(child);
  };

  beforeAll(async () => {
    xvfb = await startXvfb();
  });
  afterAll(() => {
    for (const c of copiers) c.kill('SIGKILL');
    xvfb?.child.kill('SIGTERM');
  });

  it('reports what an application copies, and serves what the viewer sends to other applications', async () => {
    const seen: string[] = [];
    const errors: Error[] = [];
    const bridge = await openX11Clipboard(xvfb.name, (t) => seen.push(t), (e) => errors.push(e));
    try {
      copy('copied on the host ✓');
      await waitFor('the copied text', () => seen.includes('copied on the host ✓'), 5000);

      bridge.set('from the viewer: ünïcode ✓\nsecond line');
      expect(await waitFor('xclip to paste it', async () => (await xclipOut(xvfb.name)) === 'from the viewer: ünïcode ✓\nsecond line', 5000)).toBe(true);

      // Our own text is not echoed back as a change; a later copy by an application is.
      copy('copied again');
      await waitFor('the second copy', () => seen.at(-1) === 'copied again', 5000);
      expect(seen).toEqual(['copied on the host ✓', 'copied again']);
      expect(errors).toEqual([]);
    } finally {
      bridge.close();
    }
  });

  it('fails clearly when the display does not exist', async () => {
    await expect(openX11Clipboard(':987', () => undefined, () => undefined)).rejects.toThrow();
  });
});
