import { describe, expect, it } from 'vitest';
import { parseContentRange } from './delivery.js';
import { parsePodcastPath, prefixed } from './paths.js';

describe('podcast paths', () => {
  it('names the feed, the artwork and the files of an episode, publicly or under a token', () => {
    expect(parsePodcastPath('/podcasts/night-shift/feed.xml')).toEqual({ slug: 'night-shift', token: null, target: { kind: 'feed' } });
    expect(parsePodcastPath('/podcasts/a/art/0123abcd.jpg')).toEqual({ slug: 'a', token: null, target: { kind: 'artwork', generation: '0123abcd' } });
    expect(parsePodcastPath('/podcasts/a/s/AbCdEfGhIjKlMnOpQrStUv_-/e/ep_0123456789ab/0123abcd/transcript-pt-BR.vtt')).toEqual({
      slug: 'a',
      token: 'AbCdEfGhIjKlMnOpQrStUv_-',
      target: { kind: 'episode', episode: 'ep_0123456789ab', generation: '0123abcd', file: 'transcript-pt-BR.vtt' },
    });
  });

  it('names nothing else (traversal, other files, short tokens)', () => {
    for (const p of [
      '/podcasts/a/../b/feed.xml',
      '/podcasts/a/e/ep_0123456789ab/0123abcd/../../feed.xml',
      '/podcasts/a/e/ep_0123456789ab/0123abcd/metadata.txt',
      '/podcasts/a/s/short/feed.xml',
      '/podcasts/-a/feed.xml',
      '/podcasts/a/feed.xml/',
    ]) {
      expect(parsePodcastPath(p), p).toBeNull();
    }
  });

  it('puts an analytics prefix before the host, without the scheme', () => {
    expect(prefixed('https://studio.example/podcasts/a/e/x.mp3', 'https://dts.podtrac.com/redirect.mp3')).toBe('https://dts.podtrac.com/redirect.mp3/studio.example/podcasts/a/e/x.mp3');
    expect(prefixed('http://h/p.mp3', 'https://op3.dev/e/')).toBe('https://op3.dev/e/h/p.mp3');
    expect(prefixed('http://h/p.mp3', null)).toBe('http://h/p.mp3');
  });

  it('reads a Content-Range', () => {
    expect(parseContentRange('bytes 0-99/1234')).toEqual({ start: 0, end: 99, total: 1234 });
    expect(parseContentRange('bytes 5-9/*')).toEqual({ start: 5, end: 9, total: null });
    expect(parseContentRange('items 0-1/2')).toBeNull();
    expect(parseContentRange(null)).toBeNull();
  });
});
