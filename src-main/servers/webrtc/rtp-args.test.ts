import { describe, expect, it } from 'vitest';
import { aacToOpusArgs, ingestArgs, ingestSdp } from './rtp-args.js';

describe('bridge ffmpeg arguments', () => {
  it('encodes FLV audio on stdin to Opus RTP on loopback', () => {
    const args = aacToOpusArgs(40000);
    expect(args.slice(args.indexOf('-i') - 2, args.indexOf('-i') + 2)).toEqual(['-f', 'flv', '-i', 'pipe:0']);
    expect(args).toContain('libopus');
    expect(args.at(-1)).toBe('rtp://127.0.0.1:40000?pkt_size=1200');
  });

  it('describes a WHIP publisher for ffmpeg with the publisher payload types', () => {
    const sdp = ingestSdp({ video: { port: 40002, payloadType: 102, codec: 'h264' }, audio: { port: 40004, payloadType: 111 } });
    expect(sdp).toBe(
      [
        'v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=whip', 'c=IN IP4 127.0.0.1', 't=0 0',
        'm=video 40002 RTP/AVP 102', 'a=rtpmap:102 H264/90000', 'a=fmtp:102 packetization-mode=1',
        'm=audio 40004 RTP/AVP 111', 'a=rtpmap:111 opus/48000/2', '',
      ].join('\r\n'),
    );
    expect(ingestSdp({ video: { port: 1, payloadType: 96, codec: 'vp8' } })).toContain('a=rtpmap:96 VP8/90000');
  });

  it('copies H.264, re-encodes VP8 and turns Opus into AAC', () => {
    expect(ingestArgs('/x.sdp', 'h264', true)).toEqual(expect.arrayContaining(['-c:v', 'copy', '-c:a', 'aac']));
    const vp8 = ingestArgs('/x.sdp', 'vp8', false);
    expect(vp8).toEqual(expect.arrayContaining(['-c:v', 'libx264']));
    expect(vp8).not.toContain('-c:a');
    expect(ingestArgs('/x.sdp', undefined, true)).not.toContain('0:v:0');
  });
});
