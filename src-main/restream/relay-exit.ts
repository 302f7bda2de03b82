import { pickErrorLine } from '../encoder/progress.js';

/**
 * What a relay's ffmpeg exit means: a refusal by the server (a wrong or expired key: retrying
 * cannot help), or a failure worth retrying (connection refused or reset, timeout, server restart).
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
