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
