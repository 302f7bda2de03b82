import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS } from '../../../src-shared/config.js';
import { iceOptionsOf } from './ice-options.js';
import { answerWhenGathered, peerConfig, RTCPeerConnection } from './peer.js';
import { chooseCodecs, narrowOffer, parseOffer } from './sdp.js';

const offer = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'chromium-whep-offer.sdp'), 'utf8');

describe('ICE configuration', () => {
  it('maps the webrtc config section to werift options', () => {
    expect(iceOptionsOf(CONFIG_DEFAULTS.webrtc)).toEqual({ iceServers: [], twcc: false });
    expect(
      iceOptionsOf({
        ...CONFIG_DEFAULTS.webrtc,
        portMin: 40000,
        portMax: 0,
        bindAddress: '127.0.0.1',
        publicAddress: '203.0.113.7',
        stunServer: 'stun:stun.example.com:3478',
        turnServer: 'turn:turn.example.com:3478?transport=udp',
        turnUsername: 'u',
        turnCredential: 'p',
        twcc: true,
      }),
    ).toEqual({
      portRange: [40000, 65535],
      bindAddress: '127.0.0.1',
      additionalHostAddresses: ['203.0.113.7'],
      iceServers: [{ urls: 'stun:stun.example.com:3478' }, { urls: 'turn:turn.example.com:3478?transport=udp', username: 'u', credential: 'p' }],
      twcc: true,
    });
  });

  it('answers with host candidates on the configured interface and port range only (real werift peer)', async () => {
    // werift offers non-loopback interfaces only: bind to this machine's first one.
    const iface = Object.values(os.networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    expect(iface, 'a non-loopback IPv4 interface').toBeDefined();
    const choice = chooseCodecs(parseOffer(offer), 'send', ['h264']);
    const pc = new RTCPeerConnection(peerConfig({ portRange: [47000, 47100], bindAddress: iface!, additionalHostAddresses: ['203.0.113.7'] }, choice));
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: narrowOffer(offer, choice) });
      for (const t of pc.getTransceivers()) t.setDirection('sendonly');
      const answer = await answerWhenGathered(pc);
      const candidates = [...answer.matchAll(/a=candidate:\S+ \d+ udp \d+ (\S+) (\d+) typ host/gi)].map((m) => [m[1], Number(m[2])] as const);
      expect(candidates.length).toBeGreaterThan(0);
      for (const [address, port] of candidates) {
        expect([iface, '203.0.113.7']).toContain(address);
        expect(port).toBeGreaterThanOrEqual(47000);
        expect(port).toBeLessThanOrEqual(47100);
      }
      expect(candidates.map(([a]) => a)).toContain(iface);
      // TWCC is off unless asked for: no transport-cc feedback, no transport-wide sequence numbers.
      expect(answer).not.toMatch(/transport-cc|transport-wide-cc/);
      expect(answer).toMatch(/a=rtcp-fb:\d+ nack pli/);
    } finally {
      await pc.close();
    }
  });
});
