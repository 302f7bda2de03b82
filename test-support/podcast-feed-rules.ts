/**
 * A conformance check of podcast feeds against the rules directories and apps enforce: XML 1.0
 * well-formedness, RSS 2.0, Apple's iTunes tags and the Podcasting 2.0 tags we write. It parses the
 * document (fast-xml-parser) and returns one sentence per violation, each starting with the rule's
 * name ("enclosure.length: item 2 ..."), empty when the feed conforms. Used on podcastFeed's output
 * and on feeds fetched from a running host.
 */

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { APPLE_CATEGORIES } from '../src-shared/podcast-categories.js';

export const FEED_NAMESPACES: Readonly<Record<string, string>> = {
  itunes: 'http://www.itunes.com/dtds/podcast-1.0.dtd',
  podcast: 'https://podcastindex.org/namespace/1.0',
  atom: 'http://www.w3.org/2005/Atom',
};

const ENCLOSURE_TYPES = ['audio/mpeg', 'audio/mp4', 'audio/x-m4a', 'video/mp4'];
const TRANSCRIPT_TYPES = ['text/vtt', 'application/x-subrip', 'text/html', 'application/json', 'text/plain'];
const EPISODE_TYPES = ['full', 'trailer', 'bonus'];
const LIVE_STATUSES = ['pending', 'live', 'ended'];

/** Characters XML 1.0 (section 2.2) does not allow anywhere in a document. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
/** References other than the five predefined entities and character references: undefined without a DTD. */
const UNDEFINED_ENTITY = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)[^;\s]*;?/;
const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const LANGUAGE = /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const ZONES: Record<string, number> = { GMT: 0, UT: 0, UTC: 0, Z: 0, EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420 };

/** An element as parsed: text only, or an object of attributes ("@_name"), children and "#text". */
type XNode = string | { [key: string]: unknown };

// Every element parses to an array, so a repeated element is never mistaken for a single one.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
});

const children = (node: XNode | undefined, name: string): XNode[] => {
  if (node === undefined || typeof node === 'string') return [];
  const v = node[name];
  return Array.isArray(v) ? (v as XNode[]) : [];
};
const child = (node: XNode | undefined, name: string): XNode | undefined => children(node, name)[0];
const attr = (node: XNode | undefined, name: string): string | undefined => {
  if (node === undefined || typeof node === 'string') return undefined;
  const v = node[`@_${name}`];
  return v === undefined ? undefined : String(v);
};
const text = (node: XNode | undefined): string | undefined => {
  if (node === undefined) return undefined;
  if (typeof node === 'string') return node;
  const t = node['#text'];
  return t === undefined ? '' : String(t);
};

export function isAbsoluteHttpUrl(value: string | undefined): boolean {
  if (!value) return false;
  try {
    const u = new URL(value);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.host !== '';
  } catch {
    return false;
  }
}

/** An RFC 2822 date-time (4-digit year, named or numeric zone), the day of week matching the date. */
export function parseRfc2822(value: string): number | null {
  const m = /^(?:([A-Z][a-z]{2}), )?(\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2})(?::(\d{2}))? ([A-Z]{1,3}|[+-]\d{4})$/.exec(value.trim());
  if (!m) return null;
  const [, dow, dd, mon, yyyy, hh, mi, ss, zone] = m;
  const month = MONTHS.indexOf(mon!);
  const offset = zone!.length === 5 ? Number(zone!.slice(0, 1) + '1') * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(3))) : ZONES[zone!];
  if (month < 0 || offset === undefined || Number(hh) > 23 || Number(mi) > 59 || Number(ss ?? 0) > 60) return null;
  const day = new Date(Date.UTC(Number(yyyy), month, Number(dd)));
  if (day.getUTCDate() !== Number(dd)) return null;
  if (dow !== undefined && DAYS[day.getUTCDay()] !== dow) return null;
  return day.getTime() + ((Number(hh) * 60 + Number(mi) - offset) * 60 + Number(ss ?? 0)) * 1000;
}

/** An ISO 8601 date-time with a zone, as podcast:liveItem takes ("2021-09-26T07:30:00.000-0600" included). */
export function parseIso8601(value: string): number | null {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})$/.exec(value.trim());
  if (!m) return null;
  const zone = m[2] === 'Z' ? 'Z' : `${m[2]!.slice(0, 3)}:${m[2]!.slice(-2)}`;
  const ms = Date.parse(`${m[1]}${zone}`);
  return Number.isFinite(ms) ? ms : null;
}

const isPositiveInt = (v: string | undefined): boolean => v !== undefined && /^[1-9]\d*$/.test(v);
const isDuration = (v: string): boolean => /^\d+$/.test(v) || /^(?:\d{1,2}:)?[0-5]?\d:[0-5]\d$/.test(v);

/** Namespace prefixes used by element and attribute names, each checked against the declarations in scope. */
function checkPrefixes(node: XNode, name: string, declared: ReadonlySet<string>, out: string[]): void {
  if (typeof node === 'string') return;
  const scope = new Set(declared);
  for (const key of Object.keys(node)) if (key.startsWith('@_xmlns:')) scope.add(key.slice('@_xmlns:'.length));
  const used = [name, ...Object.keys(node).filter((k) => k.startsWith('@_') && !k.startsWith('@_xmlns')).map((k) => k.slice(2))];
  for (const n of used) {
    const prefix = n.includes(':') ? n.slice(0, n.indexOf(':')) : null;
    if (prefix !== null && prefix !== 'xml' && !scope.has(prefix)) out.push(`xml.namespace: "${n}" uses the undeclared prefix "${prefix}"`);
  }
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('@_') || key === '#text' || !Array.isArray(value)) continue;
    for (const c of value as XNode[]) checkPrefixes(c, key, scope, out);
  }
}

function checkCategories(channel: XNode, out: string[]): void {
  const categories = children(channel, 'itunes:category');
  if (categories.length === 0) out.push('itunes.category: the channel has no itunes:category');
  for (const c of categories) {
    const parent = attr(c, 'text');
    const subs = parent !== undefined && Object.hasOwn(APPLE_CATEGORIES, parent) ? APPLE_CATEGORIES[parent] : undefined;
    if (!subs) {
      out.push(`itunes.category: "${parent ?? ''}" is not an Apple Podcasts category`);
      continue;
    }
    for (const s of children(c, 'itunes:category')) {
      const sub = attr(s, 'text') ?? '';
      if (!subs.includes(sub)) out.push(`itunes.category: "${sub}" is not a subcategory of "${parent}"`);
      if (children(s, 'itunes:category').length > 0) out.push(`itunes.category: "${sub}" nests a third level`);
    }
  }
}

function checkChannel(channel: XNode, out: string[]): void {
  for (const name of ['title', 'description']) {
    if (!text(child(channel, name))) out.push(`channel.${name}: the channel has no ${name}`);
  }
  if (!isAbsoluteHttpUrl(text(child(channel, 'link')))) out.push('channel.link: the channel link is not an absolute http(s) URL');
  if (!LANGUAGE.test(text(child(channel, 'language')) ?? '')) out.push('channel.language: the channel language is not a BCP 47 language tag');
  const built = text(child(channel, 'lastBuildDate'));
  if (built !== undefined && parseRfc2822(built) === null) out.push(`channel.lastBuildDate: "${built}" is not an RFC 2822 date`);
  if (!isAbsoluteHttpUrl(attr(child(channel, 'itunes:image'), 'href'))) out.push('itunes.image: itunes:image href is missing or not an absolute http(s) URL');
  checkCategories(channel, out);
  const explicit = text(child(channel, 'itunes:explicit'));
  if (explicit !== 'true' && explicit !== 'false') out.push(`itunes.explicit: the channel's itunes:explicit is "${explicit ?? '(missing)'}", not true or false`);
  if (!text(child(channel, 'itunes:author'))) out.push('itunes.author: the channel has no itunes:author');
  if (!EMAIL.test(text(child(child(channel, 'itunes:owner'), 'itunes:email')) ?? '')) out.push('itunes.owner: itunes:owner has no itunes:email address');
  const type = text(child(channel, 'itunes:type'));
  if (type !== undefined && type !== 'episodic' && type !== 'serial') out.push(`itunes.type: "${type}" is not episodic or serial`);
  const self = children(channel, 'atom:link').find((l) => attr(l, 'rel') === 'self');
  if (!isAbsoluteHttpUrl(attr(self, 'href'))) out.push('atom.self: no atom:link rel="self" with an absolute href');
  const guid = text(child(channel, 'podcast:guid'));
  if (!UUID_V5.test(guid ?? '')) out.push(`podcast.guid: "${guid ?? '(missing)'}" is not a UUID v5`);
  const locked = child(channel, 'podcast:locked');
  if (text(locked) !== 'yes' && text(locked) !== 'no') out.push(`podcast.locked: podcast:locked is "${text(locked) ?? '(missing)'}", not yes or no`);
  else if (!EMAIL.test(attr(locked, 'owner') ?? '')) out.push('podcast.locked: podcast:locked has no owner e-mail');
}

function checkItem(item: XNode, where: string, out: string[]): void {
  const enclosures = children(item, 'enclosure');
  if (enclosures.length !== 1) out.push(`enclosure: ${where} has ${enclosures.length} enclosures, not 1`);
  const enc = enclosures[0];
  if (enc !== undefined) {
    if (!isAbsoluteHttpUrl(attr(enc, 'url'))) out.push(`enclosure.url: ${where}: "${attr(enc, 'url') ?? ''}" is not an absolute http(s) URL`);
    if (!isPositiveInt(attr(enc, 'length'))) out.push(`enclosure.length: ${where}: length "${attr(enc, 'length') ?? '(missing)'}" is not an integer > 0`);
    if (!ENCLOSURE_TYPES.includes(attr(enc, 'type') ?? '')) out.push(`enclosure.type: ${where}: "${attr(enc, 'type') ?? ''}" is not one of ${ENCLOSURE_TYPES.join(', ')}`);
  }
  const pubDate = text(child(item, 'pubDate'));
  if (pubDate === undefined || parseRfc2822(pubDate) === null) out.push(`item.pubDate: ${where}: "${pubDate ?? '(missing)'}" is not an RFC 2822 date`);
  const duration = text(child(item, 'itunes:duration'));
  if (duration === undefined || !isDuration(duration)) out.push(`itunes.duration: ${where}: "${duration ?? '(missing)'}" is not whole seconds or HH:MM:SS`);
  const episodeType = text(child(item, 'itunes:episodeType'));
  if (!EPISODE_TYPES.includes(episodeType ?? '')) out.push(`itunes.episodeType: ${where}: "${episodeType ?? '(missing)'}" is not full, trailer or bonus`);
  for (const name of ['itunes:season', 'itunes:episode', 'podcast:season']) {
    const v = text(child(item, name));
    if (v !== undefined && !isPositiveInt(v)) out.push(`${name.replace(':', '.')}: ${where}: "${v}" is not a positive integer`);
  }
  const p20episode = text(child(item, 'podcast:episode'));
  if (p20episode !== undefined && !(/^\d+(\.\d+)?$/.test(p20episode) && Number(p20episode) > 0)) out.push(`podcast.episode: ${where}: "${p20episode}" is not a positive number`);
  const explicit = text(child(item, 'itunes:explicit'));
  if (explicit !== undefined && explicit !== 'true' && explicit !== 'false') out.push(`itunes.explicit: ${where}: "${explicit}" is not true or false`);
  const image = child(item, 'itunes:image');
  if (image !== undefined && !isAbsoluteHttpUrl(attr(image, 'href'))) out.push(`itunes.image: ${where}: itunes:image href is not an absolute http(s) URL`);
  const chapters = children(item, 'podcast:chapters');
  if (chapters.length > 1) out.push(`podcast.chapters: ${where} has ${chapters.length} podcast:chapters, at most 1`);
  for (const c of chapters) {
    if (!isAbsoluteHttpUrl(attr(c, 'url'))) out.push(`podcast.chapters: ${where}: url is missing or not absolute`);
    if (attr(c, 'type') !== 'application/json+chapters') out.push(`podcast.chapters: ${where}: type "${attr(c, 'type') ?? ''}" is not application/json+chapters`);
  }
  for (const t of children(item, 'podcast:transcript')) {
    if (!isAbsoluteHttpUrl(attr(t, 'url'))) out.push(`podcast.transcript: ${where}: url is missing or not absolute`);
    if (!TRANSCRIPT_TYPES.includes(attr(t, 'type') ?? '')) out.push(`podcast.transcript: ${where}: type "${attr(t, 'type') ?? ''}" is not one of ${TRANSCRIPT_TYPES.join(', ')}`);
    const language = attr(t, 'language');
    if (language !== undefined && !LANGUAGE.test(language)) out.push(`podcast.transcript: ${where}: language "${language}" is not a BCP 47 tag`);
    const rel = attr(t, 'rel');
    if (rel !== undefined && rel !== 'captions') out.push(`podcast.transcript: ${where}: rel "${rel}" is not captions`);
  }
  for (const a of children(item, 'podcast:alternateEnclosure')) {
    if (!attr(a, 'type')) out.push(`podcast.alternateEnclosure: ${where}: no type`);
    const length = attr(a, 'length');
    if (length !== undefined && !/^\d+$/.test(length)) out.push(`podcast.alternateEnclosure: ${where}: length "${length}" is not an integer`);
    const sources = children(a, 'podcast:source');
    if (sources.length === 0 || sources.some((s) => !attr(s, 'uri'))) out.push(`podcast.alternateEnclosure: ${where}: needs podcast:source elements, each with a uri`);
  }
}

function checkLiveItem(live: XNode, where: string, out: string[]): void {
  const status = attr(live, 'status');
  if (!LIVE_STATUSES.includes(status ?? '')) out.push(`podcast.liveItem: ${where}: status "${status ?? '(missing)'}" is not pending, live or ended`);
  for (const name of ['start', 'end']) {
    const v = attr(live, name);
    if ((name === 'start' || v !== undefined) && parseIso8601(v ?? '') === null) out.push(`podcast.liveItem: ${where}: ${name} "${v ?? '(missing)'}" is not an ISO 8601 date-time`);
  }
  const enc = child(live, 'enclosure');
  if (enc === undefined) out.push(`podcast.liveItem: ${where} has no enclosure`);
  else {
    if (!isAbsoluteHttpUrl(attr(enc, 'url'))) out.push(`podcast.liveItem: ${where}: enclosure url is not an absolute http(s) URL`);
    if (!attr(enc, 'type')) out.push(`podcast.liveItem: ${where}: enclosure has no type`);
    if (!/^\d+$/.test(attr(enc, 'length') ?? '')) out.push(`podcast.liveItem: ${where}: enclosure length "${attr(enc, 'length') ?? '(missing)'}" is not an integer (0 when unknown)`);
  }
  if (!children(live, 'podcast:contentLink').some((l) => attr(l, 'href'))) out.push(`podcast.liveItem: ${where} has no podcast:contentLink href`);
}

/** Title and guid of every item and live item: guids unique across both, a permalink guid a URL. */
function checkIdentities(entries: { node: XNode; where: string }[], out: string[]): void {
  const seen = new Map<string, string>();
  for (const { node, where } of entries) {
    if (!text(child(node, 'title'))) out.push(`item.title: ${where} has no title`);
    const guidNode = child(node, 'guid');
    const guid = text(guidNode);
    if (!guid) {
      out.push(`item.guid: ${where} has no guid`);
      continue;
    }
    const first = seen.get(guid);
    if (first !== undefined) out.push(`item.guid: ${where} repeats the guid "${guid}" of ${first}`);
    else seen.set(guid, where);
    // RSS 2.0: isPermaLink defaults to true, and then the guid must be a URL.
    if (attr(guidNode, 'isPermaLink') !== 'false' && !isAbsoluteHttpUrl(guid)) out.push(`item.guid: ${where}: "${guid}" is a permalink guid but not a URL (set isPermaLink="false")`);
  }
}

/** Every rule the feed breaks, one sentence each, named by rule; empty when it conforms. */
export function checkPodcastFeed(xml: string): string[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return [`xml.wellformed: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`];
  const out: string[] = [];
  if (NOT_XML_CHAR.test(xml)) out.push('xml.wellformed: the document holds a character XML 1.0 does not allow (a control character)');
  const entity = UNDEFINED_ENTITY.exec(xml.replace(/<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->/g, ''));
  if (entity) out.push(`xml.wellformed: "${entity[0]}" is not a predefined entity or a character reference (unescaped &?)`);
  if (/<!DOCTYPE/i.test(xml)) out.push('xml.doctype: a feed carries no DOCTYPE');

  const doc = parser.parse(xml) as Record<string, unknown>;
  const roots = Object.keys(doc).filter((k) => k !== '?xml');
  const rssList = (doc.rss ?? []) as XNode[];
  if (roots.length !== 1 || rssList.length !== 1) return [...out, `rss.root: the document must have one root element, rss (found ${roots.join(', ') || 'none'})`];
  const rss = rssList[0]!;
  if (attr(rss, 'version') !== '2.0') out.push(`rss.version: rss version is "${attr(rss, 'version') ?? '(missing)'}", not 2.0`);
  for (const [prefix, uri] of Object.entries(FEED_NAMESPACES)) {
    if (attr(rss, `xmlns:${prefix}`) !== uri) out.push(`rss.namespace: xmlns:${prefix} must be declared on rss as ${uri}`);
  }
  checkPrefixes(rss, 'rss', new Set(), out);

  const channels = children(rss, 'channel');
  if (channels.length !== 1) return [...out, `rss.channel: rss must hold one channel (found ${channels.length})`];
  const channel = channels[0]!;
  checkChannel(channel, out);

  const items = children(channel, 'item').map((node, i) => ({ node, where: `item ${i + 1} ("${text(child(node, 'title')) ?? ''}")` }));
  const lives = children(channel, 'podcast:liveItem').map((node, i) => ({ node, where: `liveItem ${i + 1}` }));
  checkIdentities([...items, ...lives], out);
  for (const { node, where } of items) checkItem(node, where, out);
  for (const { node, where } of lives) checkLiveItem(node, where, out);
  return out;
}
