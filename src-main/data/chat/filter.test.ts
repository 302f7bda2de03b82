import { describe, expect, it } from 'vitest';
import { blockedWordIn, cleanChatText, containsLink, filterChatText } from './filter.js';

const rules = { blockedWords: ['spam', 'bad thing'], links: false, maxLength: 20 };

describe('chat filter', () => {
  it('strips control and direction characters and collapses whitespace', () => {
    expect(cleanChatText('  hi\u0000\u0007 \t\nthere\u202E!\u200B  ')).toBe('hi there!');
    expect(filterChatText('\u0001\u0002  ', rules)).toEqual({ ok: false, reason: 'empty' });
  });

  it('counts length in characters, after cleaning', () => {
    expect(filterChatText('a'.repeat(20), rules)).toEqual({ ok: true, text: 'a'.repeat(20) });
    expect(filterChatText('a'.repeat(21), rules)).toEqual({ ok: false, reason: 'too-long' });
    expect(filterChatText('😀'.repeat(20), rules).ok).toBe(true);
  });

  it('blocks whole words whatever their case and diacritics, phrases too', () => {
    expect(blockedWordIn('buy SPAM now', rules.blockedWords)).toBe('spam');
    expect(blockedWordIn('Spâm!', rules.blockedWords)).toBe('spam');
    expect(blockedWordIn('ｓｐａｍ', rules.blockedWords)).toBe('spam');
    expect(blockedWordIn('spammer and antispam', rules.blockedWords)).toBeNull();
    expect(blockedWordIn('a BAD   thing.', rules.blockedWords)).toBe('bad thing');
    expect(blockedWordIn('bad things', rules.blockedWords)).toBeNull();
    expect(filterChatText('so spam', rules)).toEqual({ ok: false, reason: 'blocked-word', word: 'spam' });
  });

  it('finds links: schemes, www. and bare domains, not words with a dot', () => {
    for (const text of ['see https://x.y', 'http://a', 'www.example', 'go to spam.io/free', 'Example.COM', 'ｗｗｗ．evil', 'a.b.co.uk']) {
      expect(containsLink(text), text).toBe(true);
    }
    for (const text of ['the end.then more', 'e.g. this', '3.14 pi', 'I like it.Really', 'company.commit']) {
      expect(containsLink(text), text).toBe(false);
    }
    expect(filterChatText('x.com', rules)).toEqual({ ok: false, reason: 'link' });
    expect(filterChatText('x.com', { ...rules, links: true })).toEqual({ ok: true, text: 'x.com' });
  });
});
