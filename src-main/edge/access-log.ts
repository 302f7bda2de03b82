import { isMirrored } from './nginx-conf.js';
import { isLivePlaylist } from './playlist-plan.js';

/**
 * nginx's JSON access log (format: nginx-conf.ts) read back: request statistics for heartbeats and
 * /metrics, and the tag index (Surrogate-Key of every object that entered the cache) that tag,
 * prefix and pattern purges resolve against.
 */

export interface AccessRecord {
  /** Unix ms. */
  at: number;
  method: string;
  uri: string;
  status: number;
  bytes: number;
  /** Request time, ms. */
  ms: number;
  /** `$upstream_cache_status`: HIT, MISS, EXPIRED, STALE, UPDATING, REVALIDATED, BYPASS, or '' (not cached). */
  cache: string;
  /** Whether the origin was contacted. */
  upstream: boolean;
  tags: string[];
  /** Cache variant: `s` (signature verified) or `p`. */
  variant: 's' | 'p';
  /** A request of the agent itself (prefetch, soft-purge refresh), not a viewer's. */
  prefetch: boolean;
  /** Went through the fill server, so its answer was stored in the mirror (nginx-conf.ts). */
  stored: boolean;
  /** How many requests the line stands for: playlist hits are logged one in PLAYLIST_HIT_SAMPLE. */
  weight: number;
}

export function parseAccessLine(line: string): AccessRecord | null {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof raw.u !== 'string' || typeof raw.s !== 'number' || typeof raw.t !== 'number') return null;
  const tags = typeof raw.k === 'string' && raw.k !== '' ? raw.k.split(/\s+/).filter(Boolean) : [];
  // A soft purge is the agent's own request to the control server, `/refresh/<variant><uri>`: it puts
  // <uri> back in the cache, so it is that object (in that variant) that the tag index must know.
  const refresh = /^\/refresh\/[a-z_]+\/([sp])(\/.*)$/.exec(raw.u);
  const uri = refresh ? refresh[2]! : raw.u;
  // A miss of the mirror goes through the fill server: its cache status says whether the origin was asked.
  const fill = typeof raw.f === 'string' ? raw.f : '';
  const addressed = typeof raw.up === 'string' && raw.up !== '' && raw.up !== '-';
  const own = typeof raw.c === 'string' ? raw.c : '';
  // Neither cache status nor upstream: a mirrored object or a playlist tier file served as a file, a hit.
  const mirrorHit = !addressed && own === '' && raw.s < 400 && (isMirrored(uri) || isLivePlaylist(uri));
  return {
    at: Math.round(raw.t * 1000),
    method: typeof raw.m === 'string' ? raw.m : '',
    uri,
    status: raw.s,
    bytes: typeof raw.b === 'number' ? raw.b : 0,
    ms: typeof raw.rt === 'number' ? raw.rt * 1000 : 0,
    // A refresh bypasses the cache lookup (BYPASS) but stores what it fetched: for the index, a MISS.
    cache: refresh && own === 'BYPASS' ? 'MISS' : own || fill || (mirrorHit ? 'HIT' : ''),
    upstream: addressed && !(fill !== '' && HIT_STATES.has(fill)),
    stored: fill !== '',
    tags,
    variant: refresh ? (refresh[1] as 's' | 'p') : raw.v === 's' ? 's' : 'p',
    prefetch: raw.pf === '1' || refresh !== null,
    weight: typeof raw.w === 'number' && Number.isInteger(raw.w) && raw.w >= 1 && raw.w <= 64 ? raw.w : 1,
  };
}

const HIT_STATES = new Set(['HIT', 'STALE', 'UPDATING', 'REVALIDATED']);

export interface WindowStats {
  requests: number;
  bytes: number;
  hitRatio: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Requests that reached the origin. */
  originFetches: number;
}

/** Nearest-rank percentile of values that stand for `weight` requests each (sorted by value). */
export function percentile(sorted: readonly { value: number; weight: number }[], p: number): number {
  if (sorted.length === 0) return 0;
  const total = sorted.reduce((sum, x) => sum + x.weight, 0);
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const x of sorted) {
    seen += x.weight;
    if (seen >= rank) return x.value;
  }
  return sorted[sorted.length - 1]!.value;
}

interface Tally {
  requests: number;
  bytes: number;
  hits: number;
  /** Requests that went through the cache (hit or not). */
  cached: number;
  originFetches: number;
}

const emptyTally = (): Tally => ({ requests: 0, bytes: 0, hits: 0, cached: 0, originFetches: 0 });

function count(tally: Tally, record: AccessRecord): void {
  const w = record.weight;
  tally.requests += w;
  tally.bytes += record.bytes * w;
  if (record.upstream) tally.originFetches += w;
  if (record.cache !== '') {
    tally.cached += w;
    if (HIT_STATES.has(record.cache)) tally.hits += w;
  }
}

/** A sliding window of requests (default one minute) plus totals since start. */
export class RequestWindow {
  private records: AccessRecord[] = [];
  readonly totals = emptyTally();

  constructor(private readonly windowMs = 60_000) {}

  add(record: AccessRecord): void {
    if (record.prefetch) return;
    this.records.push(record);
    count(this.totals, record);
  }

  stats(now: number): WindowStats {
    const from = now - this.windowMs;
    let first = 0;
    while (first < this.records.length && this.records[first]!.at < from) first += 1;
    if (first > 0) this.records = this.records.slice(first);
    const window = emptyTally();
    for (const r of this.records) count(window, r);
    const times = this.records.map((r) => ({ value: r.ms, weight: r.weight })).sort((a, b) => a.value - b.value);
    return {
      requests: window.requests,
      bytes: window.bytes,
      hitRatio: window.cached === 0 ? 0 : window.hits / window.cached,
      p50Ms: percentile(times, 50),
      p95Ms: percentile(times, 95),
      p99Ms: percentile(times, 99),
      originFetches: window.originFetches,
    };
  }
}

/** URI -> the tags and cache variants seen for it; the oldest entries go first past `limit`. */
export class TagIndex {
  private readonly entries = new Map<string, { tags: Set<string>; variants: Set<'s' | 'p'> }>();

  constructor(private readonly limit = 200_000) {}

  get size(): number {
    return this.entries.size;
  }

  /** Objects that entered the cache (a response from the origin, through the cache, or stored in the mirror) are indexed. */
  add(record: AccessRecord): void {
    if (!(record.upstream || record.stored) || record.cache === '' || record.cache === 'BYPASS' || record.status >= 500) return;
    let entry = this.entries.get(record.uri);
    if (entry) {
      this.entries.delete(record.uri);
    } else {
      entry = { tags: new Set(), variants: new Set() };
    }
    for (const tag of record.tags) entry.tags.add(tag);
    entry.variants.add(record.variant);
    this.entries.set(record.uri, entry);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Saved across restarts, so that a purge replayed to a returning edge finds what it cached before. */
  toJSON(): [string, string[], ('s' | 'p')[]][] {
    return [...this.entries].map(([uri, e]) => [uri, [...e.tags], [...e.variants]]);
  }

  load(saved: unknown): void {
    if (!Array.isArray(saved)) return;
    for (const item of saved) {
      if (!Array.isArray(item) || typeof item[0] !== 'string' || !Array.isArray(item[1]) || !Array.isArray(item[2])) continue;
      const tags = new Set((item[1] as unknown[]).filter((t): t is string => typeof t === 'string'));
      const variants = new Set((item[2] as unknown[]).filter((v): v is 's' | 'p' => v === 's' || v === 'p'));
      this.entries.set(item[0], { tags, variants });
    }
    while (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value!);
  }

  forget(uri: string): void {
    this.entries.delete(uri);
  }

  *match(test: (uri: string, tags: ReadonlySet<string>) => boolean): Iterable<string> {
    for (const [uri, entry] of this.entries) if (test(uri, entry.tags)) yield uri;
  }
}
