import { describe, expect, it } from 'vitest';
import { playerPage } from './player-page.js';

const scriptOf = (html: string): string => /<script type="module">([\s\S]*)<\/script>/.exec(html)![1]!;

describe('player page', () => {
  it('carries a script that parses, with the seek bar arithmetic inlined', () => {
    const html = playerPage('my-show', '/play/assets/hls.min.js');
    const script = scriptOf(html);
    // A syntax error (say, an inlined function clashing with a page name) would leave the page blank.
    expect(() => new Function(script)).not.toThrow();
    expect(script).toContain('const name = "my-show"');
    expect(script).toContain('"/play/assets/hls.min.js"');
    expect(script).toMatch(/function formatBehind\d*\(/);
    expect(script).toContain("'/live/' + name + '/beacon' + query");
    expect(html).toContain('<title>my-show · live</title>');
    expect(html).toMatch(/<input id="bar" type="range"/);
  });

  it('works without hls.js beside it (the browser plays HLS, or the page says it cannot)', () => {
    const script = scriptOf(playerPage('x', null));
    expect(() => new Function(script)).not.toThrow();
    expect(script).toContain('const script = null');
  });

  it('carries the edge failover rule and, as an embed, renders chromeless', () => {
    const html = playerPage('my-show', null, { embed: true });
    const script = scriptOf(html);
    expect(() => new Function(script)).not.toThrow();
    expect(script).toMatch(/function moveOnReason\d*\(/);
    expect(script).toMatch(/function nextSource\d*\(/);
    expect(script).toContain('"stallMs":3000');
    expect(script).toContain("'/api/v1/cdn/streams/' + name + '/playback?'");
    expect(html).toContain('data-embed="yes"');
    expect(playerPage('my-show', null)).toContain('data-embed="no"');
  });

  it('shares segments only when given P2P: an import map for the core, the tracker and the STUN server in the script', () => {
    expect(playerPage('my-show', '/h.js')).not.toContain('importmap');
    const p2p = { tracker: '/p2p/my-show/announce', urgentSec: 2.5, aheadSec: 8, liveSegments: 3, stunServer: 'stun:stun.example:3478', maxUploadKbps: 0, coreModule: '/core.js', hlsjsModule: '/hlsjs.js' };
    const html = playerPage('my-show', '/h.js', { p2p });
    expect(html).toContain('<script type="importmap">{"imports":{"p2p-media-loader-core":"/core.js"}}</script>');
    // Both modules are fetched while the page parses, not after hls.js has loaded.
    expect(html).toContain('<link rel="modulepreload" href="/hlsjs.js"><link rel="modulepreload" href="/core.js">');
    const script = scriptOf(html);
    expect(() => new Function(script)).not.toThrow();
    expect(script).toContain('"tracker":"/p2p/my-show/announce"');
    expect(script).toContain('"stunServer":"stun:stun.example:3478"');
    expect(script).not.toContain('coreModule');
    // A standard stream's sharing viewers hold back a given number of segments (hls.js user config, so
    // p2p-media-loader does not set its own); a low-latency stream's playlist says (PART-HOLD-BACK).
    expect(script).toContain('"liveSegments":3');
    expect(scriptOf(playerPage('my-show', '/h.js', { p2p: { ...p2p, liveSegments: null } }))).toContain('"liveSegments":null');
  });
});
