import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * A real small disk: a tmpfs of `megabytes` mounted at a new folder under `parent`, for tests of a full
 * disk. Mounting needs root: gate the suite with `needs('root')`. `unmount()` unmounts and removes it.
 */
export function mountTmpfs(parent: string, megabytes: number): { dir: string; unmount: () => void } {
  const dir = fs.mkdtempSync(path.join(parent, 'tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', dir], { stdio: 'pipe' });
  return {
    dir,
    unmount: () => {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
