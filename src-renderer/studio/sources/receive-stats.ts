import { byType, num, type Stat } from '../output/encoder-stats.js';

/** How a pulled source (a guest) reaches the studio: round trip, packets lost and bitrate over the last interval. */
export interface ReceiveStats {
  /** Round trip to the host, ms (null until measured). */
  rttMs: number | null;
  /** Packets lost of those due since the previous report, in % (video and sound together). */
  lossPercent: number;
  /** Bits per second received (video and sound). */
  bitrateKbps: number;
  /** The picture's size as received (a simulcast guest's layer), 0 before the first frame. */
  width: number;
  height: number;
}

/** Pure: from two WebRTC stats reports of a receiving connection (plain objects, so fixtures test it). */
export function receiveStats(previous: Iterable<Stat> | null, report: Iterable<Stat>): ReceiveStats {
  const list = [...report];
  const prev = previous ? [...previous] : [];
  let bytes = 0;
  let received = 0;
  let lost = 0;
  let dt = 0;
  for (const kind of ['video', 'audio']) {
    const now = byType(list, 'inbound-rtp', kind);
    if (!now) continue;
    const before = byType(prev, 'inbound-rtp', kind);
    bytes += num(now.bytesReceived) - num(before?.bytesReceived);
    received += num(now.packetsReceived) - num(before?.packetsReceived);
    lost += Math.max(0, num(now.packetsLost) - num(before?.packetsLost));
    if (before) dt = Math.max(dt, (num(now.timestamp) - num(before.timestamp)) / 1000);
  }
  const video = byType(list, 'inbound-rtp', 'video');
  const pair = list.find((s) => s.type === 'candidate-pair' && s.nominated === true && s.state === 'succeeded');
  const rtt = pair && typeof pair.currentRoundTripTime === 'number' ? Math.round(pair.currentRoundTripTime * 1000) : null;
  return {
    rttMs: rtt,
    lossPercent: received + lost > 0 ? Math.round((lost / (received + lost)) * 1000) / 10 : 0,
    bitrateKbps: dt > 0 ? Math.round((bytes * 8) / dt / 1000) : 0,
    width: num(video?.frameWidth),
    height: num(video?.frameHeight),
  };
}
