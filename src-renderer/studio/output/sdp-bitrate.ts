/**
 * Tells Chromium's bandwidth estimator where to start and where to stay for the program (pure SDP
 * munging of the host's answer): without it the estimate starts near 300 kb/s and climbs ~8%/s, so
 * the first half minute of a show would look poor. Only the video codecs' fmtp lines get
 * `x-google-start-bitrate` / `x-google-min-bitrate` / `x-google-max-bitrate` (kb/s); other
 * browsers ignore them.
 */
export function withBitrateHints(sdp: string, kbps: number): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(eol);
  let inVideo = false;
  const videoPts = new Set<string>();
  for (const line of lines) {
    if (line.startsWith('m=')) inVideo = line.startsWith('m=video');
    const rtpmap = /^a=rtpmap:(\d+) (H264|VP8|VP9|AV1)\//i.exec(line);
    if (inVideo && rtpmap) videoPts.add(rtpmap[1]!);
  }
  const hints = `x-google-start-bitrate=${Math.round(kbps * 0.8)};x-google-min-bitrate=${Math.round(kbps * 0.5)};x-google-max-bitrate=${Math.round(kbps)}`;
  return lines
    .map((line) => {
      const fmtp = /^a=fmtp:(\d+) (.*)$/.exec(line);
      if (!fmtp || !videoPts.has(fmtp[1]!) || fmtp[2]!.includes('x-google-')) return line;
      return `${line};${hints}`;
    })
    .join(eol);
}

/** The sender's codecs with H.264 first (the host copies H.264 into HLS; VP8 it must re-encode). */
export function preferH264<T extends { mimeType: string; sdpFmtpLine?: string }>(codecs: readonly T[]): T[] {
  const rank = (c: T) => {
    if (!/h264/i.test(c.mimeType)) return /vp8/i.test(c.mimeType) ? 2 : 3;
    // Packetization mode 1 (what the host's depacketizer and ffmpeg expect) first.
    return /packetization-mode=1/.test(c.sdpFmtpLine ?? '') ? 0 : 1;
  };
  return [...codecs].sort((a, b) => rank(a) - rank(b));
}
