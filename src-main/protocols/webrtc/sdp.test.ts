import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chooseCodecs, firstEncodingOnly, MAX_SDP_BYTES, narrowOffer, parseOffer, parseTrickleFragment, restoreRejected, withoutSections } from './sdp.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const whepOffer = fs.readFileSync(path.join(dir, 'chromium-whep-offer.sdp'), 'utf8');
const whipOffer = fs.readFileSync(path.join(dir, 'chromium-whip-offer.sdp'), 'utf8');
/** Chromium's offer for a camera sent in three encodings (sendEncodings f, h, q). */
const simulcastOffer = fs.readFileSync(path.join(dir, 'chromium-whip-simulcast-offer.sdp'), 'utf8');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('SDP offers (Chromium fixtures)', () => {
  it('parses a viewer offer and picks H.264 packetization-mode 1, the source profile first', () => {
    const offer = parseOffer(whepOffer);
    expect(offer.media.map((m) => [m.kind, m.direction])).toEqual([['video', 'recvonly'], ['audio', 'recvonly']]);
    const main = chooseCodecs(offer, 'send', ['h264'], '4d');
    expect(main.video?.codec.fmtp).toMatchObject({ 'packetization-mode': '1', 'profile-level-id': '4d001f' });
    const high = chooseCodecs(offer, 'send', ['h264'], '64');
    expect(high.video?.codec.fmtp['profile-level-id']).toBe('42e01f');
    expect(chooseCodecs(offer, 'send', ['vp8']).video?.name).toBe('vp8');
    expect(high.audio?.codec.name).toBe('opus');
  });

  it('narrows each section to the chosen payload type and keeps ICE and DTLS lines', () => {
    const offer = parseOffer(whepOffer);
    const choice = chooseCodecs(offer, 'send', ['h264']);
    const narrowed = narrowOffer(whepOffer, choice);
    const again = parseOffer(narrowed);
    expect(again.media[0]!.codecs.map((c) => c.pt)).toEqual([choice.video!.codec.pt]);
    expect(again.media[1]!.codecs.map((c) => c.name)).toEqual(['opus']);
    expect(narrowed).toContain('a=fingerprint:');
    expect(narrowed.match(/a=ice-ufrag:/g)?.length).toBe(whepOffer.match(/a=ice-ufrag:/g)?.length);
    expect(narrowed).not.toMatch(/a=rtpmap:96 VP8/);
    expect(whepOffer).toMatch(/transport-cc/);
    expect(narrowed).not.toMatch(/transport-cc/);
    expect(narrowOffer(whepOffer, choice, true)).toMatch(new RegExp(`a=rtcp-fb:${choice.video!.codec.pt} transport-cc`));
  });

  it('takes a publisher offer with H.264 before VP8 when both are allowed', () => {
    const offer = parseOffer(whipOffer);
    expect(chooseCodecs(offer, 'receive', ['h264', 'vp8']).video?.name).toBe('h264');
    expect(chooseCodecs(offer, 'receive', ['vp8', 'h264']).video?.name).toBe('vp8');
  });

  it('refuses a viewer offer in a publisher role and the reverse', () => {
    expect(codeOf(() => chooseCodecs(parseOffer(whepOffer), 'receive', ['h264']))).toBe('SDP_INVALID');
    expect(codeOf(() => chooseCodecs(parseOffer(whipOffer), 'send', ['h264']))).toBe('SDP_INVALID');
  });

  it('refuses an offer without a codec we can forward', () => {
    const noH264 = whepOffer.replace(/a=rtpmap:(\d+) H264\/90000/g, 'a=rtpmap:$1 X-H264/90000');
    expect(codeOf(() => chooseCodecs(parseOffer(noH264), 'send', ['h264']))).toBe('CODEC_UNSUPPORTED');
    const mode0Only = whepOffer.replace(/packetization-mode=1/g, 'packetization-mode=0');
    expect(codeOf(() => chooseCodecs(parseOffer(mode0Only), 'send', ['h264']))).toBe('CODEC_UNSUPPORTED');
    const noOpus = whepOffer.replace('opus/48000/2', 'speex/48000');
    expect(codeOf(() => chooseCodecs(parseOffer(noOpus), 'send', ['h264']))).toBe('CODEC_UNSUPPORTED');
    expect(codeOf(() => parseOffer(whepOffer.replace('m=audio', 'm=application')))).toBe('CODEC_UNSUPPORTED');
  });

  it('accepts one data channel section beside audio and video (a viewer of timed data), not two', () => {
    const creds = whepOffer.split(/\r?\n/).filter((l) => /^a=(ice-ufrag|ice-pwd|fingerprint|setup):/.test(l));
    const section = ['m=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'c=IN IP4 0.0.0.0', ...new Set(creds), 'a=mid:9', 'a=sctp-port:5000'].join('\r\n') + '\r\n';
    const parsed = parseOffer(whepOffer + section);
    expect(parsed.dataChannel).toBe(true);
    expect(parsed.media.map((m) => m.kind).sort()).toEqual(['audio', 'video']);
    expect(parseOffer(whepOffer).dataChannel).toBeUndefined();
    expect(codeOf(() => parseOffer(whepOffer + section + section))).toBe('SDP_INVALID');
  });

  it('refuses garbage, oversized and incomplete offers with stable codes', () => {
    expect(codeOf(() => parseOffer(''))).toBe('SDP_INVALID');
    expect(codeOf(() => parseOffer(42))).toBe('SDP_INVALID');
    expect(codeOf(() => parseOffer('hello world'))).toBe('SDP_INVALID');
    expect(codeOf(() => parseOffer('v=0\r\nthis is not sdp\r\n'))).toBe('SDP_INVALID');
    expect(codeOf(() => parseOffer('v=0\r\ns=-\r\n'))).toBe('SDP_INVALID');
    expect(codeOf(() => parseOffer(whepOffer + `a=x:${'y'.repeat(MAX_SDP_BYTES)}\r\n`))).toBe('SDP_TOO_LARGE');
    expect(codeOf(() => parseOffer(whepOffer.replace(/a=fingerprint:.*\r\n/g, '')))).toBe('SDP_INVALID');
    expect(codeOf(() => parseOffer(whepOffer.replace(/a=ice-ufrag:.*\r\n/g, '')))).toBe('SDP_INVALID');
    expect(codeOf(() => parseOffer(whepOffer.replace('m=audio', 'm=video')))).toBe('SDP_INVALID');
  });

  it('reads trickle fragments and refuses malformed candidates', () => {
    const frag = [
      'a=ice-ufrag:abcd', 'a=ice-pwd:efgh', 'm=audio 9 UDP/TLS/RTP/SAVPF 0', 'a=mid:0',
      'a=candidate:1 1 udp 2122194687 192.0.2.2 47365 typ host generation 0', 'a=end-of-candidates', '',
    ].join('\r\n');
    expect(parseTrickleFragment(frag)).toEqual({
      ufrag: 'abcd',
      candidates: [{ candidate: 'candidate:1 1 udp 2122194687 192.0.2.2 47365 typ host generation 0', mid: '0' }],
      end: true,
    });
    expect(codeOf(() => parseTrickleFragment('a=candidate:garbage'))).toBe('SDP_INVALID');
    expect(codeOf(() => parseTrickleFragment('nonsense'))).toBe('SDP_INVALID');
  });
});

describe('sections a feed cannot serve', () => {
  const whep = whepOffer;
  const mLines = (sdp: string) => sdp.split('\r\n').filter((l) => l.startsWith('m='));

  it('takes the video section out of the offer (and the BUNDLE group), then answers it rejected in its place', () => {
    const { offer, rejected } = withoutSections(whep, ['video']);
    expect(mLines(offer)).toEqual([expect.stringMatching(/^m=audio /)]);
    expect(offer).toContain('a=group:BUNDLE 1\r\n');
    expect(rejected).toEqual([{ index: 0, kind: 'video', mid: '0', proto: 'UDP/TLS/RTP/SAVPF', fmt: '96' }]);
    const answer = 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 1\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:1\r\na=sendonly\r\n';
    const restored = restoreRejected(answer, rejected);
    expect(mLines(restored)).toEqual(['m=video 0 UDP/TLS/RTP/SAVPF 96', 'm=audio 9 UDP/TLS/RTP/SAVPF 111']);
    expect(restored).toContain('m=video 0 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=inactive\r\nm=audio');
  });

  it('changes nothing when every section is served, and refuses an offer left with nothing', () => {
    expect(withoutSections(whep, [])).toEqual({ offer: whep, rejected: [] });
    expect(restoreRejected('v=0\r\n', [])).toBe('v=0\r\n');
    expect(() => withoutSections(whep, ['video', 'audio'])).toThrow(expect.objectContaining({ code: 'SDP_INVALID' }));
  });
});

describe('simulcast offers (RFC 8853)', () => {
  it("reads a publisher's encodings in its order of preference and keeps them through the codec choice", () => {
    const offer = parseOffer(simulcastOffer);
    const video = offer.media.find((m) => m.kind === 'video')!;
    expect(video.rids).toEqual(['f', 'h', 'q']);
    expect(offer.media.find((m) => m.kind === 'audio')!.rids).toBeUndefined();
    const choice = chooseCodecs(offer, 'receive', ['h264', 'vp8']);
    expect(choice.video).toMatchObject({ name: 'h264', rids: ['f', 'h', 'q'] });
    // The narrowed offer werift reads still names the encodings.
    expect(narrowOffer(simulcastOffer, choice)).toContain('a=simulcast:send f;h;q\r\n');
    expect(parseOffer(whipOffer).media.every((m) => m.rids === undefined)).toBe(true);
  });

  it('narrowed to the first encoding for a one-encoding reader: its rid line and a simulcast of it alone', () => {
    const one = firstEncodingOnly(simulcastOffer, 'f');
    expect(one.match(/^a=(rid|simulcast):.*$/gm)).toEqual(['a=rid:f send', 'a=simulcast:send f']);
    expect(parseOffer(one).media.find((m) => m.kind === 'video')!.rids).toEqual(['f']);
  });

  it('takes the first of alternatives and a paused encoding as itself', () => {
    const alt = simulcastOffer.replace('a=simulcast:send f;h;q', 'a=simulcast:send f,h;~q');
    expect(parseOffer(alt).media.find((m) => m.kind === 'video')!.rids).toEqual(['f', 'q']);
  });

  it('refuses malformed or inconsistent simulcast: SDP_INVALID, nothing negotiated', () => {
    const bad = {
      'rid with no direction': simulcastOffer.replace('a=rid:h send', 'a=rid:h'),
      'rid with a bad name': simulcastOffer.replace('a=rid:h send', 'a=rid:h/2 send').replace('send f;h;q', 'send f;h/2;q'),
      'simulcast naming an undescribed rid': simulcastOffer.replace('a=simulcast:send f;h;q', 'a=simulcast:send f;h;x'),
      'an encoding named twice': simulcastOffer.replace('a=simulcast:send f;h;q', 'a=simulcast:send f;h;h'),
      'a garbled simulcast line': simulcastOffer.replace('a=simulcast:send f;h;q', 'a=simulcast:f;h;q'),
      'too many encodings': simulcastOffer.replace('a=rid:q send', 'a=rid:q send\r\na=rid:a send\r\na=rid:b send').replace('send f;h;q', 'send f;h;q;a;b'),
      'simulcast of sound': simulcastOffer.replace(/(m=audio[^]*?)(a=mid:1\r\n)/, '$1$2a=rid:x send\r\na=rid:y send\r\na=simulcast:send x;y\r\n'),
    };
    for (const [what, sdp] of Object.entries(bad)) {
      expect(sdp, what).not.toBe(simulcastOffer);
      expect(codeOf(() => parseOffer(sdp)), what).toBe('SDP_INVALID');
    }
  });
});
