import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChildLedger, startTicksOf } from './child-ledger.js';
import { ChildRegistry, findSetpriv } from './children.js';

const linux = process.platform === 'linux';
let tmp: string;
const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const exited = (child: ReturnType<typeof spawn>) => new Promise((resolve) => child.once('exit', resolve));

describe.skipIf(!linux)('ChildLedger (Linux /proc)', () => {
  it('reads the start time of a live process and null for a gone one', () => {
    expect(startTicksOf(process.pid)).toBeGreaterThan(0);
    expect(startTicksOf(2 ** 30)).toBeNull();
  });

  it('a registry with a ledger lists its running children and forgets those that exit', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
    const ledger = new ChildLedger(path.join(tmp, 'children'));
    const children = new ChildRegistry(300, { ledger });
    const sleeper = children.spawn('sleep', ['30']);
    const quick = children.spawn('true', []);
    await exited(quick);
    expect(ledger.entries().map((e) => e.pid)).toEqual([sleeper.pid]);
    expect(ledger.entries()[0]).toMatchObject({ command: 'sleep 30', group: true, startTicks: startTicksOf(sleeper.pid!) });
    await children.dispose();
    expect(ledger.entries()).toEqual([]);
  });

  it('reaps a listed child that is still the same process, with its group, and empties the ledger', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
    const dir = path.join(tmp, 'children');
    // A child in its own group that starts a grandchild: both must go.
    const child = spawn('sh', ['-c', 'sleep 30 & wait'], { detached: true, stdio: 'ignore' });
    started.push(child.pid!);
    new ChildLedger(dir).add(child.pid!, 'sh -c sleep 30 & wait', true);
    const reaped = new ChildLedger(dir).reap();
    expect(reaped).toEqual([{ pid: child.pid, command: 'sh -c sleep 30 & wait' }]);
    await exited(child);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('never kills a pid whose start time differs (reused), nor one that is gone; a corrupt entry is dropped', () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
    const dir = path.join(tmp, 'children');
    const ledger = new ChildLedger(dir);
    fs.mkdirSync(dir, { recursive: true });
    // Our own pid with another start time: a pid reused since the entry was written.
    fs.writeFileSync(path.join(dir, `${process.pid}.json`), JSON.stringify({ pid: process.pid, startTicks: startTicksOf(process.pid)! - 1, command: 'x', group: false }));
    fs.writeFileSync(path.join(dir, `${2 ** 30}.json`), JSON.stringify({ pid: 2 ** 30, startTicks: 5, command: 'gone', group: true }));
    fs.writeFileSync(path.join(dir, '77.json'), '{not json');
    const kills: number[] = [];
    expect(ledger.reap((pid) => kills.push(pid))).toEqual([]);
    expect(kills).toEqual([]);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

const setpriv = findSetpriv();

describe.skipIf(setpriv === null)('ChildRegistry with setpriv (parent-death signal)', () => {
  it('starts the command in place (same pid, its own command line); a missing command still fails with ENOENT', async () => {
    const children = new ChildRegistry(300, { setpriv });
    const missing = children.spawn('no-such-command-here', []);
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => missing.once('error', resolve));
    expect(error.code).toBe('ENOENT');
    const sleeper = children.spawn('sleep', ['30']);
    const cmdline = () => fs.readFileSync(`/proc/${sleeper.pid}/cmdline`, 'utf8').split('\0')[0];
    const until = Date.now() + 2000;
    while (cmdline() !== 'sleep' && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(cmdline()).toBe('sleep');
    // The parent-death signal is set (PR_SET_PDEATHSIG shows nowhere in /proc; the host test proves it by kill -9).
    await children.dispose();
    expect(sleeper.signalCode ?? sleeper.exitCode).not.toBeNull();
  });
});
