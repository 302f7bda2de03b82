// A share of the machine's CPU for a process and the children it starts later: a cgroup with a CPU
// quota (cgroup v2 `cpu.max`, or v1 `cpu.cfs_quota_us`), so that "a runner of the same size" can be
// 0.6 of a core on a 2-core machine while the host keeps a slice of its own. Null where this machine
// gives none (not root, no cpu controller): the bench then pins whole cores with taskset.
import fs from 'node:fs';
import path from 'node:path';

const PERIOD_US = 100_000;

function cgroupRoot() {
  const v1 = '/sys/fs/cgroup/cpu';
  if (fs.existsSync(path.join(v1, 'cpu.cfs_quota_us')) || fs.existsSync(path.join(v1, 'tasks'))) return { version: 1, dir: v1 };
  const v2 = '/sys/fs/cgroup';
  try {
    if (fs.readFileSync(path.join(v2, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('cpu')) return { version: 2, dir: v2 };
  } catch {
    // No cgroup v2 at the usual place.
  }
  return null;
}

/** A slice of `cores` (e.g. 0.6) named `name`; { add(pid), remove() }, or null when none can be made. */
export function cpuSlice(name, cores) {
  const root = cgroupRoot();
  if (!root) return null;
  const dir = path.join(root.dir, name);
  try {
    fs.mkdirSync(dir, { recursive: true });
    const quota = Math.round(cores * PERIOD_US);
    if (root.version === 1) {
      fs.writeFileSync(path.join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
      fs.writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), String(quota));
    } else {
      fs.writeFileSync(path.join(dir, 'cpu.max'), `${quota} ${PERIOD_US}`);
    }
  } catch {
    try {
      fs.rmdirSync(dir);
    } catch {
      // Never made.
    }
    return null;
  }
  return {
    cores,
    add(pid) {
      fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
    },
    /** Moves what is left in it back to the root, then removes it. */
    remove() {
      try {
        for (const pid of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
          try {
            fs.writeFileSync(path.join(root.dir, 'cgroup.procs'), pid);
          } catch {
            // Gone meanwhile.
          }
        }
        fs.rmdirSync(dir);
      } catch {
        // Already removed.
      }
    },
  };
}
