export const SSHD_PATH: string | undefined;

export interface SshdProcess {
  port: number;
  dir: string;
  /** The client's private key file (ed25519, no passphrase), authorized for the current user. */
  keyFile: string;
  user: string;
  stop(): Promise<void>;
}

/** A real sshd on 127.0.0.1 with its own host key, config and authorized_keys (key auth only). */
export function startSshd(): Promise<SshdProcess>;
