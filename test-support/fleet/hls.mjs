// What the viewer simulator reads from HLS playlists: pure parsing, no I/O (fixtures in hls.test.ts).
// Only the tags a player needs to play live HLS and LL-HLS (RFC 8216bis): variants and the audio group,
// target duration, media sequence, program date-time, segments, parts, preload hint, server control.

const attrs = (text) => {
  const out = {};
  for (const m of text.matchAll(/([A-Z0-9-]+)=("[^"]*"|[^,]*)/g)) out[m[1]] = m[2].replace(/^"|"$/g, '');
  return out;
};

/**
 * A master playlist: `variants` (bandwidth, width, height, uri, audio group), highest bandwidth first;
 * `audio`: the default audio rendition's uri (null when the variants carry their own audio).
 */
export function parseMaster(text) {
  const lines = text.split('\n').map((l) => l.trim());
  const variants = [];
  let audio = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('#EXT-X-MEDIA:')) {
      const a = attrs(line.slice(13));
      if (a.TYPE === 'AUDIO' && a.URI && (audio === null || a.DEFAULT === 'YES')) audio = a.URI;
    } else if (line.startsWith('#EXT-X-STREAM-INF:')) {
      const a = attrs(line.slice(18));
      const uri = lines.slice(i + 1).find((l) => l !== '' && !l.startsWith('#'));
      const [width, height] = (a.RESOLUTION ?? '0x0').split('x').map(Number);
      if (uri) variants.push({ bandwidth: Number(a.BANDWIDTH) || 0, width, height, uri, audioGroup: a.AUDIO ?? null });
    }
  }
  // Equal bandwidths (a ladder capped at the source's bitrate): the larger picture counts as higher.
  variants.sort((x, y) => y.bandwidth - x.bandwidth || y.height - x.height);
  return { variants, audio };
}

/**
 * A media playlist: { targetDuration, mediaSequence, endList, partTarget, canBlockReload, partHoldBack,
 * map, segments: [{ msn, duration (0 while only its parts exist), uri, pdt (Unix ms or null),
 * parts: [{ duration, uri, independent }] }], preloadHint }. The trailing entry whose parts are listed
 * but whose EXTINF has not come yet is a segment in progress (`duration` 0, `uri` null).
 * `parts: false` (a player not in low-latency mode) skips the parts: less work on LL playlists.
 */
export function parseMedia(text, { parts = true } = {}) {
  const out = { targetDuration: 0, mediaSequence: 0, endList: false, partTarget: 0, canBlockReload: false, partHoldBack: 0, map: null, segments: [], preloadHint: null };
  let pending = { parts: [], pdt: null };
  let nextPdt = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#EXT-X-TARGETDURATION:')) out.targetDuration = Number(line.slice(22));
    else if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) out.mediaSequence = Number(line.slice(22));
    else if (line === '#EXT-X-ENDLIST') out.endList = true;
    else if (line.startsWith('#EXT-X-PART-INF:')) out.partTarget = Number(attrs(line.slice(16))['PART-TARGET']) || 0;
    else if (line.startsWith('#EXT-X-SERVER-CONTROL:')) {
      const a = attrs(line.slice(22));
      out.canBlockReload = a['CAN-BLOCK-RELOAD'] === 'YES';
      out.partHoldBack = Number(a['PART-HOLD-BACK']) || 0;
    } else if (line.startsWith('#EXT-X-MAP:')) out.map = attrs(line.slice(11)).URI ?? null;
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pending.pdt = Date.parse(line.slice(25));
    else if (line.startsWith('#EXT-X-PART:')) {
      if (!parts) continue;
      const a = attrs(line.slice(12));
      pending.parts.push({ duration: Number(a.DURATION) || 0, uri: a.URI, independent: a.INDEPENDENT === 'YES' });
    } else if (line.startsWith('#EXT-X-PRELOAD-HINT:')) {
      const a = attrs(line.slice(20));
      if (a.TYPE === 'PART') out.preloadHint = a.URI ?? null;
    } else if (line.startsWith('#EXTINF:')) pending.duration = Number(line.slice(8).split(',')[0]) || 0;
    else if (!line.startsWith('#')) {
      const pdt = pending.pdt ?? nextPdt;
      out.segments.push({ msn: out.mediaSequence + out.segments.length, duration: pending.duration ?? 0, uri: line, pdt, parts: pending.parts });
      nextPdt = pdt === null ? null : pdt + (pending.duration ?? 0) * 1000;
      pending = { parts: [], pdt: null };
    }
  }
  if (pending.parts.length > 0) {
    out.segments.push({ msn: out.mediaSequence + out.segments.length, duration: 0, uri: null, pdt: pending.pdt ?? nextPdt, parts: pending.parts });
  }
  return out;
}

/**
 * Where a player joins a live playlist: standard, `holdSegments` segments before the end (hls.js
 * liveSyncDurationCount 3); low latency, the independent part about PART-HOLD-BACK before the live
 * edge. Returns { msn, part } (part 0 = the segment from its start).
 */
export function joinPosition(media, { lowLatency, holdSegments = 3 }) {
  const complete = media.segments.filter((s) => s.uri !== null);
  if (!lowLatency || media.partTarget === 0) {
    const s = complete[Math.max(0, complete.length - holdSegments)] ?? media.segments[0];
    return s ? { msn: s.msn, part: 0 } : null;
  }
  const hold = media.partHoldBack || media.partTarget * 3;
  let behind = 0;
  for (let i = media.segments.length - 1; i >= 0; i--) {
    const s = media.segments[i];
    if (s.parts.length === 0) return { msn: s.msn + 1, part: 0 };
    for (let p = s.parts.length - 1; p >= 0; p--) {
      behind += s.parts[p].duration;
      if (behind >= hold && s.parts[p].independent) return { msn: s.msn, part: p };
    }
  }
  const first = media.segments[0];
  return first ? { msn: first.msn, part: 0 } : null;
}

/** Program date-time (ms) of the live edge: the end of the last segment or part listed (null without PDT). */
export function liveEdgePdt(media) {
  const last = media.segments.at(-1);
  if (!last || last.pdt === null) return null;
  const sec = last.uri === null ? last.parts.reduce((a, p) => a + p.duration, 0) : last.duration;
  return last.pdt + sec * 1000;
}

