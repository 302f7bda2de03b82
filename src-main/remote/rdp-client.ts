// The RDP gateway's client, FreeRDP's xfreerdp in a virtual display of the host: the pure parts
// (arguments, the certificate it trusted, what its exit means).

export interface RdpClientOptions {
  host: string;
  port: number;
  user: string;
  domain?: string | undefined;
  width: number;
  height: number;
}

/** `AB:cd:...` or plain hex -> 64 lower-case hex digits, or null when it is not a SHA-256 fingerprint. */
export function fingerprintHex(text: string): string | null {
  const hex = text.replace(/[:\s]/g, '').toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : null;
}

/** 64 hex digits -> `AB:CD:...`, as the host shows fingerprints. */
export function fingerprintText(hex: string): string {
  return hex.toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

/**
 * xfreerdp's arguments: the password comes on stdin (`/from-stdin:force`), never on a command line
 * others can read; the window fills the virtual display without decorations; the clipboard is bridged
 * to the display's X clipboard (which the host's viewers share); the server's certificate is trusted on first
 * use and pinned from then on (known_hosts2, where the host may pin one beforehand: pinnedHosts).
 */
export function rdpClientArgs(o: RdpClientOptions): string[] {
  return [
    `/v:${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}`,
    `/u:${o.user}`,
    ...(o.domain ? [`/d:${o.domain}`] : []),
    '/from-stdin:force',
    // Trust on first use, then the fingerprint recorded (or pinned by the host beforehand) only.
    '/cert:tofu',
    `/size:${o.width}x${o.height}`,
    '-decorations',
    '+clipboard',
    '/network:auto',
    '/log-level:WARN',
  ];
}

/** The fingerprint xfreerdp recorded for `host:port` in its known_hosts2 (`host port sha256 subject issuer`), or null. */
export function knownFingerprint(knownHosts: string, host: string, port: number): string | null {
  for (const line of knownHosts.split('\n')) {
    const [h, p, fingerprint] = line.trim().split(/\s+/);
    if (h === host && Number(p) === port && fingerprint) return fingerprintHex(fingerprint);
  }
  return null;
}

export type RdpClientFailure = { code: 'RDP_AUTH_FAILED' | 'RDP_CERTIFICATE' | 'RDP_UNREACHABLE' | 'RDP_FAILED'; message: string };

/**
 * A line after which xfreerdp waits for a person to answer (a certificate other than the pinned one):
 * the host stops it there and reports why.
 */
export function asksToTrust(line: string): boolean {
  return /does not match the certificate used for previous connections|Do you trust the above certificate/.test(line);
}

/** The certificate line xfreerdp recorded (known_hosts2: `host port fingerprint subject issuer`), pinning `hex` for `host:port`. */
export function pinnedHosts(knownHosts: string, host: string, port: number, hex: string): string {
  const kept = knownHosts.split('\n').filter((line) => {
    const [h, p] = line.trim().split(/\s+/);
    return line.trim() !== '' && !(h === host && Number(p) === port);
  });
  return [...kept, `${host} ${port} ${hex.replace(/(..)(?!$)/g, '$1:')} - -`].join('\n') + '\n';
}

/**
 * Why xfreerdp gave up, from its log and exit code (xf_client.h's XF_EXIT_*): a certificate other than
 * the pinned one, credentials the server refused, a server that cannot be reached, or something else
 * (with its last error line).
 */
export function rdpClientFailure(log: string, exitCode: number | null): RdpClientFailure {
  if (log.split('\n').some(asksToTrust)) {
    const now = /Thumbprint:\s+([0-9a-f]{2}(?::[0-9a-f]{2}){31})/i.exec(log)?.[1];
    return { code: 'RDP_CERTIFICATE', message: `the server's certificate is not the one trusted for it${now ? ` (it shows ${now.toUpperCase()})` : ''}: if it was renewed, give its fingerprint` };
  }
  if (/ERRCONNECT_LOGON_FAILURE|ERRCONNECT_AUTHENTICATION_FAILED|STATUS_LOGON_FAILURE|SEC_E_LOGON_DENIED|ERRCONNECT_WRONG_PASSWORD|ERRCONNECT_ACCOUNT_LOCKED_OUT|ERRCONNECT_PASSWORD_EXPIRED/.test(log) || exitCode === 132 || exitCode === 134) {
    return { code: 'RDP_AUTH_FAILED', message: 'the server refused the user name or password' };
  }
  const sawCertificate = /Certificate verification|Thumbprint:|\] - CN = /.test(log);
  if (/ERRCONNECT_DNS_NAME_NOT_FOUND|ERRCONNECT_DNS_ERROR|ERRCONNECT_CONNECT_FAILED/.test(log) || [131, 139, 140, 141].includes(exitCode ?? -1) || (/ERRCONNECT_CONNECT_TRANSPORT_FAILED/.test(log) && !sawCertificate)) {
    return { code: 'RDP_UNREACHABLE', message: 'no RDP server answered there (check the address and port)' };
  }
  // A server that drops the connection after showing its certificate refused the sign-in (FreeRDP's own
  // server ends a failed NLA sign-in so, without an error code).
  if (/ERRCONNECT_CONNECT_TRANSPORT_FAILED/.test(log)) {
    return { code: 'RDP_AUTH_FAILED', message: 'the server ended the connection during sign-in: most likely a wrong user name or password' };
  }
  const last = log
    .split('\n')
    .map((l) => l.replace(/^\[[^\]]*\] \[[^\]]*\] \[[A-Z]+\]\[[^\]]*\] - /, '').trim())
    .filter((l) => l && !/^\d+: /.test(l))
    .at(-1);
  return { code: 'RDP_FAILED', message: `the RDP client stopped (${exitCode === null ? 'killed' : `exit ${exitCode}`})${last ? `: ${last.slice(0, 200)}` : ''}` };
}
