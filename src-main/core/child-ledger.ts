import fs from 'node:fs';
import path from 'node:path';

/**
 * A ledger of the child processes a host has running, one small file per child in a folder of the
 * home. A host killed with SIGKILL runs no cleanup: its children that did not die with it (no
 * parent-death signal on this OS, or a grandchild) are listed here, and the next host that takes the
 * home reaps them before it starts anything. A pid is only killed when its start time (Linux:
 * /proc/PID/stat) is still the one recorded, so a reused pid is never touched.
 */
export interface LedgerEntry {
  pid: number;
  /** Clock ticks since boot when the process started (field 22 of /proc/PID/stat); null off Linux. */
  startTicks: number | null;
  command: string;
  /** Whether the child leads its own process group (spawned detached): the group is killed too. */
  group: boolean;
}

export interface Reaped {
  pid: number;
  command: string;
}

/** Field 22 (starttime) of /proc/PID/stat, or null when the process is gone or there is no /proc. */
export function startTicksOf(pid: number, procRoot = '/proc'): number | null {
  let stat: string;
  try {
    stat = fs.readFileSync(path.join(procRoot, String(pid), 'stat'), 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces or parentheses: split after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state), so field 22 is rest[19].
  const ticks = Number(rest[19]);
  return Number.isFinite(ticks) ? ticks : null;
}

export class ChildLedger {
  /** The folder has been made (once, not at every spawn). */
  private made = false;

  constructor(
    private readonly dir: string,
    private readonly procRoot = '/proc',
  ) {}

  /** Notes a started child. Never throws: a ledger that cannot be written only loses the next start's reaping. */
  add(pid: number, command: string, group: boolean): void {
    const entry: LedgerEntry = { pid, startTicks: startTicksOf(pid, this.procRoot), command, group };
    try {
      if (!this.made) fs.mkdirSync(this.dir, { recursive: true });
      this.made = true;
      fs.writeFileSync(this.file(pid), JSON.stringify(entry));
    } catch {
      // best effort
    }
  }

  remove(pid: number): void {
    fs.rmSync(this.file(pid), { force: true });
  }

  entries(): LedgerEntry[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir).filter((n) => /^\d+\.json$/.test(n));
    } catch {
      return [];
    }
    const out: LedgerEntry[] = [];
    for (const name of names) {
      try {
        const e = JSON.parse(fs.readFileSync(path.join(this.dir, name), 'utf8')) as LedgerEntry;
        if (Number.isInteger(e.pid) && e.pid > 1) out.push(e);
      } catch {
        fs.rmSync(path.join(this.dir, name), { force: true });
      }
    }
    return out;
  }

  /**
   * Kills (SIGKILL, with its group) every listed child that is still the same process, and empties
   * the ledger. Call it only while holding the home's lock: no live host owns these children then.
   */
  reap(kill: (pid: number, signal: NodeJS.Signals) => void = process.kill): Reaped[] {
    const reaped: Reaped[] = [];
    for (const e of this.entries()) {
      const now = startTicksOf(e.pid, this.procRoot);
      const same = now !== null && e.startTicks !== null && now === e.startTicks;
      if (same) {
        if (e.group) tryKill(kill, -e.pid);
        tryKill(kill, e.pid);
        reaped.push({ pid: e.pid, command: e.command });
      }
      this.remove(e.pid);
    }
    return reaped;
  }

  private file(pid: number): string {
    return path.join(this.dir, `${pid}.json`);
  }
}

function tryKill(kill: (pid: number, signal: NodeJS.Signals) => void, pid: number): void {
  try {
    kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
