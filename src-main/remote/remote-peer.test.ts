import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkViewerOffer } from './remote-peer.js';

const WHEP_OFFER = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'protocols', 'webrtc', 'fixtures', 'chromium-whep-offer.sdp'), 'utf8');
const DATA = 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:2\r\na=sctp-port:5000\r\n';
/** Chromium's offer of the viewer page: its video section and the input data channel (audio left out). */
const VIEWER_OFFER = WHEP_OFFER.split(/\r?\n(?=m=)/).filter((s) => !s.startsWith('m=audio')).join('\r\n').replace(/\r?\n?$/, '\r\n') + DATA;

describe('checkViewerOffer', () => {
  it('keeps one H.264 format and the data channel', () => {
    const { narrowed, choice } = checkViewerOffer(VIEWER_OFFER);
    expect(choice.video?.name).toBe('h264');
    expect(narrowed).toMatch(/m=video \d+ \S+ \d+\r\n/);
    expect(narrowed).toContain('m=application 9 UDP/DTLS/SCTP webrtc-datachannel');
  });

  it('accepts the audio section of the host sound (Opus) beside the video', () => {
    const { choice, narrowed } = checkViewerOffer(WHEP_OFFER.replace(/\r?\n?$/, '\r\n') + DATA);
    expect(choice.audio?.codec.name).toBe('opus');
    expect(narrowed).toMatch(/m=audio \d+ \S+ \d+\r\n/);
  });

  it('refuses two video sections', () => {
    const video = WHEP_OFFER.split(/\r?\n(?=m=)/).find((s) => s.startsWith('m=video'))!;
    expect(() => checkViewerOffer(VIEWER_OFFER.replace(/\r\n$/, '') + '\r\n' + video.replace('a=mid:1', 'a=mid:7'))).toThrow(expect.objectContaining({ code: 'SDP_INVALID' }));
  });

  it('refuses offers without a data channel, without video, or not SDP at all', () => {
    expect(() => checkViewerOffer(WHEP_OFFER.split(/\r?\n(?=m=audio)/)[0])).toThrow(expect.objectContaining({ code: 'SDP_INVALID' }));
    expect(() => checkViewerOffer(`v=0\r\n${DATA}`)).toThrow(expect.objectContaining({ code: 'SDP_INVALID' }));
    expect(() => checkViewerOffer(42)).toThrow(expect.objectContaining({ code: 'SDP_INVALID' }));
  });
});
