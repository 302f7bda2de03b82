import { describe, expect, it } from 'vitest';
import { preferH264, withBitrateHints } from './sdp-bitrate.js';

const answer = [
  'v=0', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;useinbandfec=1',
  'm=video 9 UDP/TLS/RTP/SAVPF 102 103', 'a=rtpmap:102 H264/90000', 'a=fmtp:102 packetization-mode=1;profile-level-id=42e01f', 'a=rtpmap:103 rtx/90000', 'a=fmtp:103 apt=102', '',
].join('\r\n');

describe('bitrate hints in the answer', () => {
  it('adds the hints to the video codec only, not to audio or rtx', () => {
    const out = withBitrateHints(answer, 4500).split('\r\n');
    expect(out).toContain('a=fmtp:102 packetization-mode=1;profile-level-id=42e01f;x-google-start-bitrate=3600;x-google-min-bitrate=2250;x-google-max-bitrate=4500');
    expect(out).toContain('a=fmtp:111 minptime=10;useinbandfec=1');
    expect(out).toContain('a=fmtp:103 apt=102');
  });
  it('is idempotent and keeps the line ends', () => {
    const once = withBitrateHints(answer, 1000);
    expect(withBitrateHints(once, 1000)).toBe(once);
    expect(withBitrateHints(answer.replace(/\r\n/g, '\n'), 1000)).not.toContain('\r');
  });
  it('puts H.264 packetization mode 1 first, then VP8', () => {
    const codecs = [{ mimeType: 'video/VP9' }, { mimeType: 'video/VP8' }, { mimeType: 'video/H264', sdpFmtpLine: 'packetization-mode=0' }, { mimeType: 'video/H264', sdpFmtpLine: 'packetization-mode=1' }];
    expect(preferH264(codecs).map((c) => `${c.mimeType} ${c.sdpFmtpLine ?? ''}`.trim())).toEqual(['video/H264 packetization-mode=1', 'video/H264 packetization-mode=0', 'video/VP8', 'video/VP9']);
  });
});
