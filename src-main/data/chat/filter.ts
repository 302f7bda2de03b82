/**
 * The chat's message filter, pure: control and direction-override characters stripped, whitespace
 * collapsed, then length, blocked words (whole words, blind to case and diacritics, so "BÁD" is "bad")
 * and links (http(s)://, www., bare domains) checked against a room's settings.
 */

export interface FilterRules {
  blockedWords: readonly string[];
  links: boolean;
  maxLength: number;
}

export type FilterReason = 'empty' | 'too-long' | 'blocked-word' | 'link';
export type FilterVerdict = { ok: true; text: string } | { ok: false; reason: FilterReason; word?: string };

// C0/C1 controls (tabs and newlines become spaces first), bidi overrides and isolates, zero-width marks.
// eslint-disable-next-line no-control-regex -- stripping them is the point
const CONTROL = /[\u0000-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g;
const SPACE = /[\t\n\r\v\f\u00A0\u2028\u2029]+/g;

/** The text as it is kept and shown: no control characters, single spaces, trimmed. */
export function cleanChatText(text: string): string {
  return text.replace(SPACE, ' ').replace(CONTROL, '').replace(/ {2,}/g, ' ').trim();
}

/** Lowercase, no diacritics, compatibility forms folded (full-width letters, ligatures). */
export function foldText(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
}

const wordsOf = (text: string): string[] => foldText(text).match(/[\p{L}\p{N}]+/gu) ?? [];

// Bare domains: a few common generic and country TLDs, so "end.then" is no link but "spam.io/x" is.
const TLDS = 'com|net|org|io|tv|gg|co|me|ly|app|dev|xyz|info|biz|live|link|site|online|shop|store|club|fm|to|be|de|fr|uk|ru|nl|es|it|pl|br|cn|jp|us|ca|au|in|ch|se|no|cz';
const LINK = new RegExp(`(?:\\bhttps?://|\\bwww\\.|\\b[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\\.[a-z0-9-]{1,63})*\\.(?:${TLDS})\\b)`, 'i');

export function containsLink(text: string): boolean {
  // Folded first: a full-width "ｗｗｗ．" or dots written as "。" read like the ASCII ones.
  return LINK.test(foldText(text).replace(/[\u3002\uFF0E\uFF61]/g, '.'));
}

/** The first blocked word (a phrase of several words too) the text contains as whole words, or null. */
export function blockedWordIn(text: string, blockedWords: readonly string[]): string | null {
  const words = ` ${wordsOf(text).join(' ')} `;
  for (const blocked of blockedWords) {
    const phrase = wordsOf(blocked).join(' ');
    if (phrase && words.includes(` ${phrase} `)) return blocked;
  }
  return null;
}

export function filterChatText(text: string, rules: FilterRules): FilterVerdict {
  const clean = cleanChatText(text);
  if (clean.length === 0) return { ok: false, reason: 'empty' };
  if ([...clean].length > rules.maxLength) return { ok: false, reason: 'too-long' };
  const word = blockedWordIn(clean, rules.blockedWords);
  if (word !== null) return { ok: false, reason: 'blocked-word', word };
  if (!rules.links && containsLink(clean)) return { ok: false, reason: 'link' };
  return { ok: true, text: clean };
}
