import { describe, expect, it } from 'vitest';
import { p2pHint } from './p2p-hint.js';

const p2p = { mode: 'auto' as const, maxPeers: 5, maxUploadKbps: 0, active: true };

describe('the P2P hint on the Access card', () => {
  it('says what sharing does when it is on, and why it is off otherwise', () => {
    const open = { p2p, private: false, encryption: 'none', latency: 'standard' } as const;
    expect(p2pHint(open)).toMatch(/^On: HLS viewers connect to up to 5 others and play half a segment further behind live;/);
    expect(p2pHint({ ...open, p2p: { ...p2p, mode: 'on' }, latency: 'low' })).toMatch(/^On: HLS viewers connect to up to 5 others;/);
    expect(p2pHint({ ...open, p2p: { ...p2p, active: false }, private: true })).toMatch(/private/);
    expect(p2pHint({ ...open, p2p: { ...p2p, active: false }, latency: 'low' })).toMatch(/low-latency/);
    expect(p2pHint({ ...open, p2p: { ...p2p, mode: 'on', active: false }, private: true, encryption: 'aes-128', latency: 'low' })).toMatch(/encrypted/);
    expect(p2pHint({ ...open, p2p: { ...p2p, mode: 'off', active: false } })).toMatch(/^Off for this stream/);
  });
});
