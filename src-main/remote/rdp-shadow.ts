// RDP into the host's X displays through FreeRDP's shadow server (`freerdp-shadow-cli`, Debian's
// freerdp2-shadow-x11): the pure parts. It shares the very display the host's own viewers see, and it
// checks NLA credentials against a SAM file that holds the NT hash only; the host writes one user and
// one password per access, so no system account and no PAM are involved.
import crypto from 'node:crypto';
import { ntHash } from '../auth/nt-hash.js';

/** Characters of a generated RDP password: no 0/O, 1/l/I, so it can be read aloud and typed. */
const PASSWORD_ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A password of 20 characters (about 116 bits), in four groups of five joined by dashes. */
export function rdpPassword(random: (size: number) => Buffer = crypto.randomBytes): string {
  const chars: string[] = [];
  while (chars.length < 20) {
    for (const byte of random(32)) {
      // Rejection sampling: bytes past the last whole multiple of the alphabet would bias it.
      if (byte < 256 - (256 % PASSWORD_ALPHABET.length) && chars.length < 20) chars.push(PASSWORD_ALPHABET[byte % PASSWORD_ALPHABET.length]!);
    }
  }
  return [0, 5, 10, 15].map((i) => chars.slice(i, i + 5).join('')).join('-');
}

/**
 * The RDP user name for a studio user: letters, digits, dot, dash and underscore, at most 20 characters
 * (what Windows accepts); a name left empty becomes "studio".
 */
export function rdpUserName(studioUser: string): string {
  const name = studioUser.normalize('NFKD').replace(/[^A-Za-z0-9._-]+/g, '').slice(0, 20);
  return name || 'studio';
}

/** The SAM file's one line (winpr's format `user:domain:LM:NT:::`): no domain, no LM hash. */
export function samFileOf(user: string, password: string): string {
  if (!/^[A-Za-z0-9._-]{1,20}$/.test(user)) throw new Error(`not an RDP user name: ${JSON.stringify(user)}`);
  return `${user}:::${ntHash(password)}:::\n`;
}

export interface ShadowOptions {
  port: number;
  bindAddress: string;
  samFile: string;
}

/**
 * The shadow server's arguments: NLA only (no RDP or TLS security, which would show the desktop before
 * any credential), checked against the SAM file; viewing and input without a prompt at the display.
 */
export function shadowArgs(options: ShadowOptions): string[] {
  return [`/port:${options.port}`, `/bind-address:${options.bindAddress}`, '/sec:nla', `/sam-file:${options.samFile}`, '+may-view', '+may-interact'];
}

export type ShadowLogEvent =
  | { kind: 'signed-in'; thread: string }
  | { kind: 'refused'; thread: string; reason: 'unknown-user' | 'wrong-password' | 'failed' }
  | { kind: 'ended'; thread: string }
  | { kind: 'fatal'; message: string };

// `[10:54:30:915] [30984:31029] [ERROR][com.winpr.sspi.NTLM] - Error: Could not find user in SAM database`
const LINE_RE = /^\[[\d:]+\] \[\d+:(\d+)\] \[([A-Z]+)\]\[([\w.]+)\] - (.*)$/;

/**
 * Reads the shadow server's log (winpr's format) into what the host audits and counts: a client's
 * sign-in, refused with the reason NTLM gave, its end; and a failure to start. Each client has its own
 * thread, which its lines name: a thread that passed NTLM and logs anything but a failure has signed in.
 */
export class ShadowLogReader {
  private readonly threads = new Map<string, { state: 'negotiating' | 'signed-in'; reason?: 'unknown-user' | 'wrong-password' }>();

  read(line: string): ShadowLogEvent | null {
    const m = LINE_RE.exec(line.trim());
    if (!m) return null;
    const [, thread, , tag, message] = m as unknown as [string, string, string, string, string];
    if (/Problem creating TCP listener|Failed to start server/.test(message)) {
      return { kind: 'fatal', message: message.replace(/\s*\(.*\)\s*$/, '') };
    }
    const client = this.threads.get(thread);
    if (message.startsWith('AcceptSecurityContext status SEC_I_COMPLETE_NEEDED')) {
      this.threads.set(thread, { state: 'negotiating' });
      return null;
    }
    if (!client) return null;
    if (/Could not find user in SAM database/.test(message)) client.reason = 'unknown-user';
    else if (/MIC\) verification failed|SEC_E_MESSAGE_ALTERED|SEC_E_LOGON_DENIED/.test(message)) client.reason ??= 'wrong-password';
    if (message === 'client authentication failure') {
      this.threads.delete(thread);
      return { kind: 'refused', thread, reason: client.reason ?? 'failed' };
    }
    if (client.state === 'negotiating' && client.reason === undefined && !/^(CompleteAuthToken|AcceptSecurityContext)/.test(message) && tag !== 'com.winpr.sspi.NTLM') {
      client.state = 'signed-in';
      return { kind: 'signed-in', thread };
    }
    if (client.state === 'signed-in' && /Failed to check FreeRDP file descriptor|client disconnected/i.test(message)) {
      this.threads.delete(thread);
      return { kind: 'ended', thread };
    }
    return null;
  }
}

/** Words for a refusal, for the audit log. */
export function refusalText(reason: 'unknown-user' | 'wrong-password' | 'failed'): string {
  return reason === 'unknown-user' ? 'unknown user name' : reason === 'wrong-password' ? 'wrong password' : 'authentication failed';
}
