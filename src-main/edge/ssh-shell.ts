import type { Client, ConnectConfig } from 'ssh2';
import { StudioError } from '../core/errors.js';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** What provisioning needs of a remote machine. */
export interface RemoteShell {
  exec(command: string, timeoutMs?: number): Promise<ExecResult>;
  upload(data: Buffer | string, remotePath: string, mode: number): Promise<void>;
  close(): void;
}

export interface SshTarget {
  host: string;
  port: number;
  username: string;
  privateKey: string | Buffer;
  /** Expected host key fingerprint (SHA256 base64, as ssh-keygen -l prints after "SHA256:"); null trusts on first use. */
  hostFingerprint?: string | null;
}

/** An ssh2 connection: commands through exec channels, files through SFTP. */
export class SshShell implements RemoteShell {
  private constructor(private readonly client: Client) {}

  // ssh2 is loaded on the first connection, not at the host's start (about 20 ms of it, for provisioning
  // that most hosts never do).
  static async connect(target: SshTarget, timeoutMs = 15_000): Promise<SshShell> {
    const { Client: SshClient } = await import('ssh2');
    return new Promise((resolve, reject) => {
      const client = new SshClient();
      const config: ConnectConfig = {
        host: target.host,
        port: target.port,
        username: target.username,
        privateKey: target.privateKey,
        readyTimeout: timeoutMs,
        hostHash: 'sha256',
        hostVerifier: (hash: string) => !target.hostFingerprint || hash === Buffer.from(target.hostFingerprint, 'base64').toString('hex'),
      };
      client.once('ready', () => resolve(new SshShell(client)));
      client.once('error', (error) => reject(new StudioError('UNAVAILABLE', `ssh ${target.username}@${target.host}:${target.port}: ${error.message}`)));
      client.connect(config);
    });
  }

  exec(command: string, timeoutMs = 300_000): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      this.client.exec(command, (error, channel) => {
        if (error) {
          reject(error);
          return;
        }
        let stdout = '';
        let stderr = '';
        const timer = setTimeout(() => {
          channel.close();
          reject(new Error(`timed out after ${timeoutMs} ms: ${command.slice(0, 80)}`));
        }, timeoutMs);
        channel.on('data', (d: Buffer) => (stdout += d.toString()));
        channel.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        channel.on('close', (code: number | null) => {
          clearTimeout(timer);
          resolve({ code: code ?? -1, stdout, stderr });
        });
      });
    });
  }

  upload(data: Buffer | string, remotePath: string, mode: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.sftp((error, sftp) => {
        if (error) {
          reject(error);
          return;
        }
        const tmp = `${remotePath}.upload`;
        sftp.writeFile(tmp, data, { mode }, (writeError) => {
          if (writeError) {
            sftp.end();
            reject(writeError);
            return;
          }
          // Replace in one step: a running agent keeps its old file until restarted.
          sftp.ext_openssh_rename(tmp, remotePath, (renameError) => {
            sftp.end();
            if (renameError) reject(renameError);
            else resolve();
          });
        });
      });
    });
  }

  close(): void {
    this.client.end();
  }
}
