import { pickErrorLine } from '../encoder/progress.js';

/**
 * What a relay's ffmpeg exit means: a refusal by the server (a wrong or expired key, a TLS
 * certificate we do not trust: retrying cannot help), or a failure worth retrying (connection refused or reset, timeout, server restart).
 * Pure: it reads the stderr tail, already stripped of the key.
 */

export interface RelayExit {
  /** The server turned the stream away (bad key, unauthorised): the relay fails at once. */
  refused: boolean;
  /** One useful line for people. */
  reason: string;
}

/** `Server error: <description>` is how ffmpeg's RTMP client prints an _error or an error onStatus. */
const SERVER_ERROR = /Server error:\s*(.*)$/i;
const REFUSAL_WORDS = /\b(key|auth\w*|unauthori[sz]ed|forbidden|denied|not allowed|invalid|reject\w*|refused|permission|banned|suspended)\b/i;
/** Outside RTMP: SRT access control and HTTP-style answers. */
const OTHER_REFUSALS = [/REJECT reported from HS processing: (?!.*(backlog|overload|timeout))/i, /connection rejected/i, /\b(401|403)\b.*(unauthori[sz]ed|forbidden)/i];

/**
 * ffmpeg's TLS layer when -tls_verify 1 turns the server's certificate down: GnuTLS builds (Debian's,
 * the npm-shipped one) print the first; OpenSSL builds the others.
 */
const TLS_UNTRUSTED = [/Peer certificate failed verification/i, /certificate verify failed/i, /Unable to verify peer certificate/i];

/**
 * The reason of a relay whose server presented a certificate we do not trust (the in-process push and
 * ffmpeg say it the same way): retrying cannot help, the operator has to trust its CA.
 */
export function untrustedCertificateReason(detail: string): string {
  return `the server's TLS certificate is not trusted (${detail}): for a server with a private CA, add that CA to the PEM file named by NODE_EXTRA_CA_CERTS and restart the host`;
}

export function classifyRelayExit(stderr: string, exit: { code: number | null; signal: NodeJS.Signals | null }): RelayExit {
  const lines = stderr.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  for (const line of [...lines].reverse()) {
    const server = SERVER_ERROR.exec(line);
    if (server) {
      const description = server[1]!.trim() || 'no description';
      return REFUSAL_WORDS.test(description)
        ? { refused: true, reason: `the server refused the stream: ${description}` }
        : { refused: false, reason: `server error: ${description}` };
    }
    if (TLS_UNTRUSTED.some((re) => re.test(line))) return { refused: true, reason: untrustedCertificateReason(pickErrorLine(line) ?? line) };
    if (OTHER_REFUSALS.some((re) => re.test(line))) {
      const why = /REJECT reported from HS processing: (.*?)(?: - not processing further)?$/i.exec(line)?.[1] ?? pickErrorLine(line) ?? line;
      return { refused: true, reason: `the server refused the stream: ${why}` };
    }
  }
  const picked = pickErrorLine(stderr);
  if (picked) return { refused: false, reason: picked };
  if (exit.signal) return { refused: false, reason: `ffmpeg was killed by ${exit.signal}` };
  if (exit.code === 0) return { refused: false, reason: 'the server closed the connection' };
  return { refused: false, reason: `ffmpeg exited with code ${exit.code ?? '?'}` };
}
