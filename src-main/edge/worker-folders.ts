import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StudioError } from '../core/errors.js';

/**
 * The folders nginx's worker processes open themselves (cache, temp files) must be reachable by the
 * workers' user: every ancestor searchable, the folder itself writable. A root master runs its workers
 * as an unprivileged user, so a cache under /root (0700) or a mktemp folder fails per request with a
 * 500. We check at start and refuse with one line naming the path and the user instead.
 *
 * Logs, the pid file, the config and the njs script are opened by the master (root) and need nothing.
 */

/** Who nginx's workers run as. */
export interface WorkerUser {
  user: string;
  /** Group name for nginx's `user` directive. */
  group: string;
  uid: number;
  gid: number;
  /** Every group id the user is in (primary first). */
  groups: number[];
}

/**
 * As root we run the workers as `nobody` (nginx's own default, written out as an explicit `user`
 * directive so that what we check is what nginx does): it owns nothing else, and the agent hands it
 * only the cache and temp folders (chown), while the config with the signing keys stays root's (0600).
 */
const ROOT_WORKER_USER = 'nobody';

function readLines(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n');
  } catch {
    return [];
  }
}

/** A user from the passwd file, with its groups from the group file. */
export function lookupUser(name: string, files = { passwd: '/etc/passwd', group: '/etc/group' }): WorkerUser | null {
  const entry = readLines(files.passwd)
    .map((l) => l.split(':'))
    .find((f) => f[0] === name && f.length >= 4);
  if (!entry) return null;
  const uid = Number(entry[2]);
  const gid = Number(entry[3]);
  const groupLines = readLines(files.group).map((l) => l.split(':'));
  const group = groupLines.find((f) => Number(f[2]) === gid)?.[0] ?? String(gid);
  const extra = groupLines.filter((f) => (f[3] ?? '').split(',').includes(name)).map((f) => Number(f[2]));
  return { user: name, group, uid, gid, groups: [...new Set([gid, ...extra])] };
}

/** The workers' user: `nobody` under a root master, else the invoking user (nginx cannot switch). */
export function workerUser(): WorkerUser {
  const uid = process.getuid?.() ?? -1;
  if (uid === 0) {
    const nobody = lookupUser(ROOT_WORKER_USER);
    if (!nobody) throw new StudioError('CONFIG_INVALID', `nginx workers: no user "${ROOT_WORKER_USER}" in /etc/passwd to run them as`, { field: 'user' });
    return nobody;
  }
  const gid = process.getgid?.() ?? -1;
  let name = String(uid);
  try {
    name = os.userInfo().username;
  } catch {
    // No passwd entry (a container with an arbitrary uid): the number names it.
  }
  return { user: name, group: String(gid), uid, gid, groups: [...new Set([gid, ...(process.getgroups?.() ?? [])])] };
}

export interface FolderStat {
  path: string;
  mode: number;
  uid: number;
  gid: number;
  isDirectory: boolean;
}

/** Whether `who` has permission `bit` (4 read, 2 write, 1 search) on `st`, by the owner/group/other bits. */
export function permits(st: FolderStat, who: Pick<WorkerUser, 'uid' | 'groups'>, bit: 4 | 2 | 1): boolean {
  if (who.uid === 0) return true;
  if (st.uid === who.uid) return ((st.mode >> 6) & bit) !== 0;
  if (who.groups.includes(st.gid)) return ((st.mode >> 3) & bit) !== 0;
  return (st.mode & bit) !== 0;
}

function describe(st: FolderStat): string {
  return `mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}, owner ${st.uid}:${st.gid}`;
}

/**
 * Pure check over a folder and its ancestors (root first, the folder last): the first reason `who`
 * cannot create files in the folder, or null when it can.
 */
export function folderProblem(chain: FolderStat[], who: WorkerUser): string | null {
  const target = chain.at(-1);
  if (!target) return 'no such folder';
  for (const st of chain.slice(0, -1)) {
    if (!st.isDirectory) return `${st.path} is not a folder`;
    if (!permits(st, who, 1)) return `${st.path} (${describe(st)}) cannot be searched by ${who.user}`;
  }
  if (!target.isDirectory) return `${target.path} is not a folder`;
  for (const [bit, what] of [[1, 'searched'], [4, 'read'], [2, 'written']] as const) {
    if (!permits(target, who, bit)) return `${target.path} (${describe(target)}) cannot be ${what} by ${who.user}`;
  }
  return null;
}

/** The folder and every ancestor, root first, as stat() sees them (symbolic links followed). */
function statChain(folder: string): FolderStat[] {
  const chain: FolderStat[] = [];
  let p = path.resolve(folder);
  for (;;) {
    const st = fs.statSync(p);
    chain.unshift({ path: p, mode: st.mode, uid: st.uid, gid: st.gid, isDirectory: st.isDirectory() });
    const parent = path.dirname(p);
    if (parent === p) return chain;
    p = parent;
  }
}

function chownTree(dir: string, uid: number, gid: number): void {
  const st = fs.lstatSync(dir);
  if (st.uid !== uid || st.gid !== gid) fs.lchownSync(dir, uid, gid);
  if (!st.isDirectory()) return;
  for (const entry of fs.readdirSync(dir)) chownTree(path.join(dir, entry), uid, gid);
}

/**
 * The agent's own folder (config, logs, state; the temp folders inside): ancestors we create are
 * searchable (0755), the folder itself private; under a root master it is searchable by the workers
 * (0711), who reach their temp folders through it and list or read nothing in it.
 */
export function prepareAgentDir(dir: string): void {
  fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o755 });
  if (!fs.existsSync(dir)) fs.mkdirSync(dir, { mode: 0o700 });
  if (process.getuid?.() === 0) fs.chmodSync(dir, 0o711);
}

export interface WorkerFolder {
  path: string;
  /** The flag or setting that chose it, named in the error (e.g. `--cache-dir`). */
  field: string;
  label: string;
}

/**
 * Creates the workers' folders, hands them to the workers' user when we are root, and checks that the
 * user can reach and write each one (through a symbolic link's target too). Throws CONFIG_INVALID
 * (exit 2) naming the first folder, why, and the user.
 */
export function prepareWorkerFolders(folders: WorkerFolder[], who: WorkerUser, options: { recursive: boolean }): void {
  const root = process.getuid?.() === 0;
  for (const folder of folders) {
    const fail = (why: string): never => {
      throw new StudioError('CONFIG_INVALID', `${folder.field}: nginx workers (user ${who.user}) cannot use the ${folder.label} ${folder.path}: ${why}`, {
        field: folder.field,
        path: folder.path,
        user: who.user,
      });
    };
    let problem: string | null = null;
    try {
      // Ancestors we create are searchable (0755 less the umask); the folder itself is the workers' alone.
      fs.mkdirSync(path.dirname(folder.path), { recursive: true, mode: 0o755 });
      if (!fs.existsSync(folder.path)) fs.mkdirSync(folder.path, { mode: 0o700 });
      // What is inside was written by the workers, unless an earlier run had other workers (a whole
      // cache to hand over once at start, not on every reload).
      if (root && options.recursive) chownTree(folder.path, who.uid, who.gid);
      else if (root) fs.chownSync(folder.path, who.uid, who.gid);
      for (const p of new Set([folder.path, fs.realpathSync(folder.path)])) problem ??= folderProblem(statChain(p), who);
    } catch (error) {
      problem = (error as Error).message;
    }
    if (problem) fail(problem);
  }
}
