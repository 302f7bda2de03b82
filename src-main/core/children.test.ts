import fs from 'node:fs';
import os from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKGROUND_PRIORITY, ChildRegistry } from './children.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    // A zombie still answers signal 0: look at its state too.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
};

/** Child processes of `pid` (Linux /proc), to catch grandchildren left behind. */
async function childrenOf(pid: number): Promise<number[]> {
  const file = `/proc/${pid}/task/${pid}/children`;
  for (let i = 0; i < 50; i++) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
    if (text) return text.split(/\s+/).map(Number);
    await new Promise((r) => setTimeout(r, 10));
  }
  return [];
}

const leftovers: number[] = [];
afterAll(() => {
  for (const pid of leftovers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

describe('ChildRegistry.run', () => {
  it('captures stdout, stderr and the exit code', async () => {
    const children = new ChildRegistry();
    const result = await children.run('sh', ['-c', 'echo out; echo err >&2; exit 3']);
    expect(result).toMatchObject({ code: 3, signal: null, stdout: 'out\n', stderr: 'err\n', timedOut: false });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(children.count).toBe(0);
  });

  it('passes env and cwd', async () => {
    const children = new ChildRegistry();
    const result = await children.run('sh', ['-c', 'echo "$FOO"; pwd'], { env: { FOO: 'bar', PATH: process.env.PATH }, cwd: '/' });
    expect(result.stdout).toBe('bar\n/\n');
  });

  it('keeps only the last maxOutput characters of each stream', async () => {
    const children = new ChildRegistry();
    const result = await children.run('sh', ['-c', 'printf 0123456789; printf abcdefghij >&2'], { maxOutput: 4 });
    expect(result.stdout).toBe('6789');
    expect(result.stderr).toBe('ghij');
  });

  it('kills a command that runs past its timeout', async () => {
    const children = new ChildRegistry();
    const started = Date.now();
    const result = await children.run('sleep', ['30'], { timeoutMs: 100 });
    expect(result.timedOut).toBe(true);
    expect(result.signal).toBe('SIGKILL');
    expect(result.code).toBeNull();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(children.count).toBe(0);
  });

  it('rejects when the command does not exist', async () => {
    const children = new ChildRegistry();
    await expect(children.run('/nonexistent/streams-no-such-binary', [])).rejects.toMatchObject({ code: 'ENOENT' });
    expect(children.count).toBe(0);
  });
});

describe('ChildRegistry background work', () => {
  it('runs a background child below normal priority (nice 10 here), others at the host\'s own', async () => {
    const children = new ChildRegistry(1000);
    const own = os.getPriority();
    try {
      const background = children.spawn('sleep', ['30'], { background: true });
      const live = children.spawn('sleep', ['30']);
      expect(os.getPriority(background.pid!)).toBe(Math.max(BACKGROUND_PRIORITY, own));
      expect(os.getPriority(live.pid!)).toBe(own);
      // run() too: the child reports its own niceness.
      const ran = await children.run('sh', ['-c', 'sleep 0.2; cut -d" " -f19 /proc/self/stat'], { background: true, timeoutMs: 5000 });
      expect(Number(ran.stdout.trim())).toBe(Math.max(BACKGROUND_PRIORITY, own));
    } finally {
      await children.dispose();
    }
  });
});

describe('ChildRegistry.dispose', () => {
  it('SIGTERMs running children and waits for them', async () => {
    const children = new ChildRegistry(5000);
    const child = children.spawn('sleep', ['30']);
    expect(children.count).toBe(1);
    const started = Date.now();
    await children.dispose();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(child.signalCode).toBe('SIGTERM');
    expect(children.count).toBe(0);
    expect(alive(child.pid!)).toBe(false);
  });

  it('SIGKILLs a child that ignores SIGTERM once the grace period is over', async () => {
    const children = new ChildRegistry(300);
    const child = children.spawn('sh', ['-c', 'trap "" TERM; sleep 30']);
    leftovers.push(...(await childrenOf(child.pid!)));
    const started = Date.now();
    await children.dispose();
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(1500);
    expect(child.signalCode).toBe('SIGKILL');
    expect(alive(child.pid!)).toBe(false);
  });

  // Rule 5 of ARCHITECTURE.md: "killed on dispose ... No orphans." A child that forks (sh, xvfb-run,
  // wrapper scripts) leaves its own children running when only its pid is signalled.
  it('leaves no grandchild running after dispose', async () => {
    const children = new ChildRegistry(300);
    const child = children.spawn('sh', ['-c', 'trap "" TERM; sleep 30']);
    const grandchildren = await childrenOf(child.pid!);
    leftovers.push(...grandchildren);
    expect(grandchildren.length).toBeGreaterThan(0);
    await children.dispose();
    await new Promise((r) => setTimeout(r, 50));
    expect(grandchildren.filter(alive)).toEqual([]);
  });

  it('returns at once with nothing running, and children that already exited are not signalled', async () => {
    const children = new ChildRegistry(5000);
    await children.run('true', []);
    const started = Date.now();
    await children.dispose();
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('refuses to spawn or run after dispose', async () => {
    const children = new ChildRegistry();
    await children.dispose();
    expect(() => children.spawn('true', [])).toThrow(/refusing to start true: the host is stopping/);
    await expect(children.run('true', [])).rejects.toThrow(/host is stopping/);
    expect(children.count).toBe(0);
  });
});
