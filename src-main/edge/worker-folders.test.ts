import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { folderProblem, lookupUser, permits, type FolderStat, type WorkerUser } from './worker-folders.js';

const NOBODY: WorkerUser = { user: 'nobody', group: 'nogroup', uid: 65534, gid: 65534, groups: [65534] };
const dir = (p: string, mode: number, uid = 0, gid = 0): FolderStat => ({ path: p, mode: 0o040000 | mode, uid, gid, isDirectory: true });

describe('folders nginx workers must reach', () => {
  it('a cache under root\'s home (0700) is refused, naming the folder that blocks and the user', () => {
    const chain = [dir('/', 0o755), dir('/root', 0o700), dir('/root/.streams-edge', 0o711), dir('/root/.streams-edge/cache', 0o700, 65534, 65534)];
    expect(folderProblem(chain, NOBODY)).toBe('/root (mode 0700, owner 0:0) cannot be searched by nobody');
  });

  it('the default under /var/lib, handed to the workers, passes', () => {
    const chain = [dir('/', 0o755), dir('/var', 0o755), dir('/var/lib', 0o755), dir('/var/lib/streams-edge', 0o711), dir('/var/lib/streams-edge/cache', 0o700, 65534, 65534)];
    expect(folderProblem(chain, NOBODY)).toBeNull();
  });

  it('a reachable folder the workers cannot write to is refused too', () => {
    expect(folderProblem([dir('/', 0o755), dir('/srv', 0o755), dir('/srv/cache', 0o755)], NOBODY)).toBe('/srv/cache (mode 0755, owner 0:0) cannot be written by nobody');
    expect(folderProblem([dir('/', 0o755), { ...dir('/srv', 0o755), isDirectory: false }, dir('/srv/cache', 0o777)], NOBODY)).toBe('/srv is not a folder');
  });

  it('owner bits decide for the owner, group bits for members, other bits for the rest', () => {
    // Linux checks the first class that matches: an owner without the bit is refused even if others have it.
    expect(permits(dir('/x', 0o077, 65534), NOBODY, 1)).toBe(false);
    expect(permits(dir('/x', 0o710, 0, 65534), NOBODY, 1)).toBe(true);
    expect(permits(dir('/x', 0o701, 0, 65534), NOBODY, 1)).toBe(false);
    expect(permits(dir('/x', 0o701, 0, 0), NOBODY, 1)).toBe(true);
    expect(permits(dir('/x', 0o000, 5, 5), { uid: 0, groups: [0] }, 2)).toBe(true);
  });

  it('reads the user and its groups from passwd and group files', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-user-'));
    try {
      fs.writeFileSync(path.join(tmp, 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n');
      fs.writeFileSync(path.join(tmp, 'group'), 'root:x:0:\nvideo:x:44:nobody,alice\nnogroup:x:65534:\n');
      const files = { passwd: path.join(tmp, 'passwd'), group: path.join(tmp, 'group') };
      expect(lookupUser('nobody', files)).toEqual({ user: 'nobody', group: 'nogroup', uid: 65534, gid: 65534, groups: [65534, 44] });
      expect(lookupUser('ghost', files)).toBeNull();
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
