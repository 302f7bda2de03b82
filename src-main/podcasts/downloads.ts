/**
 * Podcast downloads counted from the enclosure requests that the origin and the edges served, by the IAB
 * Tech Lab Podcast Measurement Technical Guidelines (2.x; 2.3 names the window kinds). Pure: the service
 * keeps the requests (SQLite) and recounts an episode; `DownloadCounter` is the same count fed one request
 * at a time. The rules, in the guidelines' order:
 *  1. filter: bots by user agent (and Apple Watch duplicates), non-GET requests, statuses other than
 *     200/206, and 2-byte probes ("Disregard any 2 byte (0-1 byte) range requests");
 *  2. threshold: the bytes delivered, ranges merged across requests ("might require reassembling
 *     requests"), must hold the header plus one minute of audio, or the whole file when it is shorter;
 *  3. uniques: one listener is IP (IPv6 cut to its /64) + user agent, one download per listener, episode
 *     and 24-hour window; the same listener through two edges is one listener.
 */

export interface DownloadRequest {
  at: number; // unix ms
  episode: string;
  ip: string;
  userAgent: string;
  method: string; // GET, HEAD, ...
  status: number;
  /** The byte range served, inclusive start/end, or null when the whole file was sent (200). */
  range: { start: number; end: number } | null;
  bytes: number; // body bytes actually sent (an aborted transfer sends fewer than asked)
  fileBytes: number; // of the enclosure file
  durationSec: number; // of the episode: one minute is fileBytes * 60 / durationSec (after the header)
  source: string; // 'origin' or an edge id (for reporting only)
  /**
   * Bytes before the audio (the ID3v2 tag with its artwork). The guidelines' minute is "the header
   * information plus enough of the podcast content to play for 1 minute", the header measured per episode.
   */
  headerBytes?: number;
}

export interface Download {
  episode: string;
  at: number; // of its first request
  day: string; // YYYY-MM-DD (UTC) of `at`
  ip: string; // as counted: an IPv4 address, or an IPv6 /64 prefix
  userAgent: string;
  bytes: number; // distinct bytes delivered in the window (ranges merged)
  sources: string[]; // where its requests were served, sorted
}

/** Requests left out, each counted once: `tooShort` are the GETs that ended in no download. */
export interface Excluded {
  bots: number;
  /** HEAD, and any other method that is not GET (no media body to count). */
  head: number;
  failed: number;
  tooShort: number;
  probes: number;
}

export interface CountOptions {
  windowMs?: number;
  minSeconds?: number;
  bots?: RegExp[];
}

export interface CountResult {
  downloads: Download[];
  excluded: Excluded;
}

export const DAY_MS = 86_400_000;

/**
 * Bots and non-listeners by user agent: a small set from the OPAWG list (github.com/opawg/user-agents-v2,
 * bots.json and the libraries it marks as bots), which also marks curl, Wget and python-requests as bots.
 * The Apple Watch patterns are the guidelines' own: its downloads duplicate the paired phone's.
 */
export const BOT_PATTERNS: RegExp[] = [
  // Anything that calls itself a bot, crawler or spider; (?<!cu) spares the Cubot phones in Android UAs.
  /(?<!cu)bot\b|crawler|spider/i,
  /Googlebot|Feed[fF]etcher-Google|Mediapartners-Google|AdsBot-Google|Google-Podcast/,
  /BingPreview\/|adidxbot\/|[bB]ingbot\//,
  /facebookexternalhit|Facebot|meta-externalagent/,
  /Yahoo! Slurp|YandexBot|Applebot|Twitterbot|Slackbot|TelegramBot/,
  // Podcast indexes and apps' servers that fetch new episodes for themselves, not for a listener.
  /Podcast Sync|^Spotify\/1\.0$|^AmazonNewsContentService|^Amazon Music Podcast/,
  /^Podcastindex\.org\/|\(PodcastIndex\.org\)|^ListenNotes\/|^PodchaserParser\/|^Trackable\/|^Podtrac Feed Scanner/,
  /iTMS|itunesstored/,
  // Apple Watch: "UA's that begin with atc/ and include watchOS", "or UA's that contain (null)/(null) watchOS".
  /^atc\/.*watchOS|\(null\)\/\(null\) watchOS/,
  // HTTP libraries and tools.
  /^curl|^libcurl\/|^PycURL\/| curl\/|Wget|python-requests|^(Python-urllib|python-urllib3)\/|^python-httpx\//,
  /^Go-http-client|^axios\/|^node-fetch|^undici$|^got[/ ]|^Java\/\d|Apache-HttpClient|libwww-perl|^okhttp\/|^Lavf\//,
  / HeadlessChrome\/\d/,
  // A bare "Mozilla/5.0" names no app at all.
  /^'?Mozilla(\/5\.0)?$/,
];

/** An empty user agent is a bot too: nothing tells its listeners apart or says it is an app. */
export function isBot(userAgent: string, bots: RegExp[] = BOT_PATTERNS): boolean {
  const ua = userAgent.trim();
  return ua === '' || bots.some((re) => re.test(ua));
}

/**
 * The address as a listener: IPv6 cut to its first 64 bits ("The best way to handle IPv6 addresses is to
 * truncate it to its first 64 bits"), since a device cycles its low 64 bits; IPv4-mapped IPv6 (what a
 * dual-stack Node socket reports) as plain IPv4.
 */
export function listenerIp(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!ip.includes(':')) return ip;
  const halves = ip.split('%')[0]!.split('::');
  if (halves.length > 2) return ip;
  const groups = (s: string | undefined): string[] => (s ? s.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : []);
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const all = halves.length === 2 ? [...head, ...Array<string>(Math.max(0, 8 - head.length - tail.length)).fill('0'), ...tail] : head;
  if (all.length !== 8 || !all.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return ip;
  return `${all.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}

type Exclusion = keyof Excluded;

function exclusion(r: DownloadRequest, bots: RegExp[]): Exclusion | null {
  if (isBot(r.userAgent, bots)) return 'bots';
  if (r.method.toUpperCase() !== 'GET') return 'head';
  if (r.status !== 200 && r.status !== 206) return 'failed';
  if (r.range && r.range.end - r.range.start < 2) return 'probes';
  return null;
}

/** The bytes this request delivered: `bytes` from the range's start (a 200 starts at 0), within the range and the file. */
function delivered(r: DownloadRequest): [number, number] | null {
  const range = r.status === 206 ? r.range : null;
  const start = range ? range.start : 0;
  let end = start + r.bytes - 1;
  if (range) end = Math.min(end, range.end);
  if (r.fileBytes > 0) end = Math.min(end, r.fileBytes - 1);
  return end >= start ? [start, end] : null;
}

/** Distinct bytes over all the requests: overlapping and adjacent intervals merged. */
function coveredBytes(requests: readonly DownloadRequest[]): number {
  const spans = requests.map(delivered).filter((s) => s !== null).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let open: [number, number] | null = null;
  for (const [s, e] of spans) {
    if (open && s <= open[1] + 1) open[1] = Math.max(open[1], e);
    else {
      if (open) total += open[1] - open[0] + 1;
      open = [s, e];
    }
  }
  return open ? total + open[1] - open[0] + 1 : total;
}

/** The header plus `minSeconds` of audio; the whole file when the episode is not longer than that (or its duration is unknown). */
export function thresholdBytes(r: Pick<DownloadRequest, 'fileBytes' | 'durationSec' | 'headerBytes'>, minSeconds = 60): number {
  const file = Math.max(1, r.fileBytes);
  if (!(r.durationSec > minSeconds)) return file;
  const header = Math.min(file, Math.max(0, r.headerBytes ?? 0));
  return Math.min(file, header + Math.ceil(((file - header) * minSeconds) / r.durationSec));
}

export const utcDay = (at: number): string => new Date(at).toISOString().slice(0, 10);

const listenerKey = (r: DownloadRequest): string => JSON.stringify([r.episode, listenerIp(r.ip), r.userAgent]);

/** A total order, so that the count does not depend on the order requests were logged or added. */
function byTime(a: DownloadRequest, b: DownloadRequest): number {
  return a.at - b.at || (a.range?.start ?? 0) - (b.range?.start ?? 0) || a.bytes - b.bytes || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0);
}

/**
 * One listener's requests for one episode (sorted) in 24-hour "first touch" windows. The guidelines allow
 * a calendar day, a "first touch" rolling window or a "last touch" (extending) one, to be disclosed. We
 * take first touch, the rolling 24 hours that v2.2 referred to: a calendar day splits a play paused at
 * 23:50 and resumed at 00:10 into two downloads (their play-pause-play case "counts as one unique
 * download"), and a window that extends on every request never counts again a listener whose player
 * comes back at least once a day.
 * A window opens at a request and takes every request before it closes; when all of them together fall
 * short of the threshold, its first request counts as too short and the next request opens a window.
 * Stops at the first window that may still grow (it would close after `until`).
 */
function walk(rs: readonly DownloadRequest[], windowMs: number, minSeconds: number, until = Infinity): { downloads: Download[]; tooShort: number; settled: number } {
  const downloads: Download[] = [];
  let tooShort = 0;
  let i = 0;
  while (i < rs.length) {
    const first = rs[i]!;
    const closes = first.at + windowMs;
    if (closes > until) break;
    let j = i;
    while (j < rs.length && rs[j]!.at < closes) j++;
    const window = rs.slice(i, j);
    const bytes = coveredBytes(window);
    if (bytes >= thresholdBytes(first, minSeconds)) {
      const sources = [...new Set(window.map((r) => r.source))].sort();
      downloads.push({ episode: first.episode, at: first.at, day: utcDay(first.at), ip: listenerIp(first.ip), userAgent: first.userAgent, bytes, sources });
      i = j;
    } else {
      tooShort++;
      i++;
    }
  }
  return { downloads, tooShort, settled: i };
}

const byDownload = (a: Download, b: Download): number =>
  a.at - b.at || (a.episode < b.episode ? -1 : a.episode > b.episode ? 1 : 0) || (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0) || (a.userAgent < b.userAgent ? -1 : a.userAgent > b.userAgent ? 1 : 0);

const noneExcluded = (): Excluded => ({ bots: 0, head: 0, failed: 0, tooShort: 0, probes: 0 });

/**
 * The same count fed one request at a time: requests kept per listener and episode, and the exclusions
 * so far. `flush(now)` hands over the downloads whose windows closed by `now` and forgets their requests,
 * so memory holds about a day; it takes every request added afterwards to be at or after `now` (a later,
 * older one is still counted but may split a window: the recount from the stored requests settles it).
 */
export class DownloadCounter {
  private readonly held = new Map<string, DownloadRequest[]>();
  private readonly counts = noneExcluded();
  private readonly windowMs: number;
  private readonly minSeconds: number;
  private readonly bots: RegExp[];

  constructor(opts: CountOptions = {}) {
    this.windowMs = opts.windowMs ?? DAY_MS;
    this.minSeconds = opts.minSeconds ?? 60;
    this.bots = opts.bots ?? BOT_PATTERNS;
  }

  add(r: DownloadRequest): void {
    const reason = exclusion(r, this.bots);
    if (reason) {
      this.counts[reason]++;
      return;
    }
    const key = listenerKey(r);
    const list = this.held.get(key);
    if (list) list.push(r);
    else this.held.set(key, [r]);
  }

  /** Downloads whose window closed by `now`, in time order; their requests are dropped. */
  flush(now: number): Download[] {
    const out: Download[] = [];
    for (const [key, list] of this.held) {
      list.sort(byTime);
      const w = walk(list, this.windowMs, this.minSeconds, now);
      out.push(...w.downloads);
      this.counts.tooShort += w.tooShort;
      if (w.settled === list.length) this.held.delete(key);
      else list.splice(0, w.settled);
    }
    return out.sort(byDownload);
  }

  /** What `countDownloads` gives for the requests still held, with every exclusion so far. */
  result(): CountResult {
    const downloads: Download[] = [];
    const excluded = { ...this.counts };
    for (const list of this.held.values()) {
      const w = walk([...list].sort(byTime), this.windowMs, this.minSeconds);
      downloads.push(...w.downloads);
      excluded.tooShort += w.tooShort;
    }
    return { downloads: downloads.sort(byDownload), excluded };
  }

  downloads(): Download[] {
    return this.result().downloads;
  }
}

/** Downloads of a set of requests (any order, any episodes), and what was left out. */
export function countDownloads(requests: readonly DownloadRequest[], opts: CountOptions = {}): CountResult {
  const counter = new DownloadCounter(opts);
  for (const r of requests) counter.add(r);
  return counter.result();
}

export interface DayCount {
  day: string;
  episode: string;
  downloads: number;
}

/** Longest range `perDay` fills, in days: a chart of more is asked for by month. */
export const MAX_DAYS = 3660;

/**
 * Downloads per episode per UTC day from `from` to `to` (inclusive, YYYY-MM-DD), days without any as 0:
 * rows by episode, then day. `episodes` also lists episodes that had none (default: those downloaded).
 */
export function perDay(downloads: readonly Download[], from: string, to: string, episodes?: readonly string[]): DayCount[] {
  const start = dayStart(from);
  const end = dayStart(to);
  if (end < start) return [];
  if ((end - start) / DAY_MS + 1 > MAX_DAYS) throw new RangeError(`more than ${MAX_DAYS} days`);
  const days: string[] = [];
  for (let t = start; t <= end; t += DAY_MS) days.push(utcDay(t));
  const counts = new Map<string, number>();
  for (const d of downloads) counts.set(`${d.episode}\n${d.day}`, (counts.get(`${d.episode}\n${d.day}`) ?? 0) + 1);
  const list = episodes ?? [...new Set(downloads.map((d) => d.episode))].sort();
  return list.flatMap((episode) => days.map((day) => ({ day, episode, downloads: counts.get(`${episode}\n${day}`) ?? 0 })));
}

function dayStart(day: string): number {
  const t = /^\d{4}-\d{2}-\d{2}$/.test(day) ? Date.parse(`${day}T00:00:00Z`) : NaN;
  if (Number.isNaN(t) || utcDay(t) !== day) throw new RangeError(`not a day: ${day}`);
  return t;
}
