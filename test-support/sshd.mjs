// A real sshd on loopback for the tests and benches that provision over SSH (plain ESM, so that the
// benches import it as the tests do; types in sshd.d.mts).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, which } from './machine.mjs';

/** sshd from the PATH or sbin (often not on a user's PATH); suites gate on `needs('sshd')`. */
export const SSHD_PATH = which('sshd', ['/usr/sbin/sshd']) ?? undefined;

/** A real sshd on 127.0.0.1 with its own host key, config and authorized_keys (key auth only). */
export async function startSshd() {
  if (!SSHD_PATH) throw new Error('sshd not found: install openssh-server');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sshd-'));
  const port = await freePort();
  const keygen = (file) => {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
  };
  keygen(path.join(dir, 'host_ed25519'));
  keygen(path.join(dir, 'client_ed25519'));
  fs.copyFileSync(path.join(dir, 'client_ed25519.pub'), path.join(dir, 'authorized_keys'));
  fs.chmodSync(path.join(dir, 'authorized_keys'), 0o600);
  fs.writeFileSync(
    path.join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${path.join(dir, 'host_ed25519')}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      'UsePAM no',
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'),
  );
  // A root sshd needs its privilege separation folder (absent where sshd never ran); others do not.
  if (process.getuid?.() === 0) fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const proc = spawn(SSHD_PATH, ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d.toString()));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd did not start:\n${stderr}`)), 10_000);
    const check = () => {
      if (/Server listening/.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stderr.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited with ${String(code)}:\n${stderr}`));
    });
  });
  return {
    port,
    dir,
    keyFile: path.join(dir, 'client_ed25519'),
    user: os.userInfo().username,
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) {
          resolve();
          return;
        }
        proc.once('exit', () => {
          fs.rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        proc.kill('SIGTERM');
      }),
  };
}
