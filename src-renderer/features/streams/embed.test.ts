import { describe, expect, it } from 'vitest';
import { viewerLinks } from './embed.js';

describe('viewerLinks', () => {
  it('gives the player page, the embed and an iframe snippet on the host', () => {
    expect(viewerLinks('show', 'http://studio.local:7070/live/show/index.m3u8')).toEqual({
      page: 'http://studio.local:7070/play/show',
      embed: 'http://studio.local:7070/embed/show',
      iframe:
        '<iframe src="http://studio.local:7070/embed/show" width="960" height="540" style="border:0;max-width:100%" allow="autoplay; fullscreen" allowfullscreen title="show (live)"></iframe>',
    });
  });

  it('carries a private stream\'s signature, escaped in the snippet', () => {
    const links = viewerLinks('show', 'http://h:1/live/show/index.m3u8', 'http://h:1/live/show/index.m3u8?exp=123&sig=abc');
    expect(links.embed).toBe('http://h:1/embed/show?exp=123&sig=abc');
    expect(links.iframe).toContain('src="http://h:1/embed/show?exp=123&amp;sig=abc"');
  });

  it('stays relative when the playback URL is', () => {
    expect(viewerLinks('show', '/live/show/index.m3u8').page).toBe('/play/show');
  });
});
