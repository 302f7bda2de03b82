/** Whether an address (a bind address, a client's, a host name) is this machine's loopback. */
export function isLoopback(address: string): boolean {
  const a = address.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return a === 'localhost' || a === '::1' || /^127\.\d+\.\d+\.\d+$/.test(a) || a === '::ffff:127.0.0.1';
}

/**
 * The host (for a URL) a client on this machine or the asking client should use to reach a listener
 * bound to `bind`: a loopback bind is 127.0.0.1 whoever asks; a wildcard is the host the client used
 * (`baseUrl`), else 127.0.0.1; a specific address as it is, IPv6 in brackets.
 */
export function publicHost(bind: string, baseUrl?: string): string {
  if (isLoopback(bind)) return '127.0.0.1';
  if (bind === '0.0.0.0' || bind === '::') {
    if (!baseUrl) return '127.0.0.1';
    return new URL(baseUrl).hostname;
  }
  return bind.includes(':') ? `[${bind}]` : bind;
}

/** The address (for a socket, no brackets) this machine connects to for a listener bound to `bind`. */
export function localAddressOf(bind: string): string {
  if (bind === '0.0.0.0') return '127.0.0.1';
  if (bind === '::') return '::1';
  return bind;
}
