import { describe, expect, it } from 'vitest';
import { watchPage, type WatchPageVideo } from './watch-page.js';

const scriptOf = (html: string): string => /<script type="module">([\s\S]*)<\/script>/.exec(html)![1]!;

const VIDEO: WatchPageVideo = {
  id: 'vid_abcdefghijkl',
  title: 'Launch </script><b>"keynote"</b>',
  description: 'Line one\n<i>two</i>',
  hls: '/vod/vid_abcdefghijkl/index.m3u8?exp=9&sig=s',
  poster: '/vod/vid_abcdefghijkl/poster.jpg?exp=9&sig=s',
  previews: '/vod/vid_abcdefghijkl/previews.vtt?exp=9&sig=s',
  chapters: [{ startSec: 0, title: 'Intro' }, { startSec: 30, title: 'Demo' }],
  durationSec: 75,
};

describe('watch page', () => {
  it('carries a script that parses, with the cue functions inlined', () => {
    const script = scriptOf(watchPage(VIDEO, '/watch/assets/hls.min.js'));
    expect(() => new Function(script)).not.toThrow();
    expect(script).toMatch(/function parseVttCues\d*\(/);
    expect(script).toMatch(/function previewTile\d*\(/);
    expect(script).toMatch(/function formatClock\d*\(/);
    expect(script).toContain('"/watch/assets/hls.min.js"');
  });

  it("shares segments only when given the video's P2P settings: the modules in the head, the swarm in the script", () => {
    const p2p = { tracker: '/p2p/videos/vid_abcdefghijkl/announce', urgentSec: 10, aheadSec: 60, aloneSec: 30, stunServer: '', maxUploadKbps: 0, hlsjsModule: '/play/assets/h.js', coreModule: '/play/assets/c.js' };
    const shared = watchPage(VIDEO, '/play/assets/hls.min.js', null, p2p);
    expect(shared).toContain('<script type="importmap">{"imports":{"p2p-media-loader-core":"/play/assets/c.js"}}</script>');
    expect(shared).toContain('<link rel="modulepreload" href="/play/assets/h.js">');
    const script = scriptOf(shared);
    expect(() => new Function(script)).not.toThrow();
    expect(script).toContain('const P2P = {"tracker":"/p2p/videos/vid_abcdefghijkl/announce"');
    expect(script).toMatch(/function checkSegment\(/);
    const alone = watchPage(VIDEO, '/play/assets/hls.min.js');
    expect(alone).not.toContain('importmap');
    expect(scriptOf(alone)).toContain('const P2P = null;');
  });

  it('escapes the title and description, in the HTML and in the script', () => {
    const html = watchPage(VIDEO, null);
    expect(html).toContain('<title>Launch &lt;/script&gt;&lt;b&gt;&quot;keynote&quot;&lt;/b&gt;</title>');
    expect(html).toContain('<p class="desc">Line one\n&lt;i&gt;two&lt;/i&gt;</p>');
    // Exactly one closing tag: the title's `</script>` cannot end the script early.
    expect(html.match(/<\/script>/g)).toHaveLength(1);
    expect(html).toContain('1:15');
    expect(() => new Function(scriptOf(html))).not.toThrow();
  });
});
