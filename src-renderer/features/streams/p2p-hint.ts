import type { Stream } from '../../../src-shared/contract/index.js';

/** What the Access card says under "Viewers share segments": what the stream's mode does for this stream, and why not when it does not. */
export function p2pHint(stream: Pick<Stream, 'p2p' | 'private' | 'encryption' | 'latency'>): string {
  const { p2p } = stream;
  if (p2p.active) {
    const behind = stream.latency === 'low' ? '' : ' and play half a segment further behind live';
    return `On: HLS viewers connect to up to ${p2p.maxPeers} others${behind}; every segment from a peer is checked against the studio's hash.`;
  }
  if (stream.encryption !== 'none') return 'Off: an encrypted stream never shares.';
  if (p2p.mode === 'auto' && stream.private) return 'Off: the stream is private (choose On to let its admitted viewers share).';
  if (p2p.mode === 'auto' && stream.latency === 'low') return 'Off: low-latency viewers take each part at the live edge over HTTP; peers could serve only what is behind it (choose On for that).';
  return 'Off for this stream: every viewer fetches from the studio or its edges.';
}
