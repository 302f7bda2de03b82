import { StudioError } from '../../core/errors.js';

/**
 * Pure SDP helpers for WHIP/WHEP: check an offer before any peer connection exists, choose one codec
 * per media section, and narrow the offer to it (werift answers with every codec whose name matches
 * and sends with the first, so the choice must be made in the offer it reads).
 */

/** Real offers are 2-12 KB (Chrome's with every codec is ~6 KB); anything far above is not an offer. */
export const MAX_SDP_BYTES = 32 * 1024;
const MAX_MEDIA_SECTIONS = 4;

export type MediaKind = 'audio' | 'video';
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
export type VideoCodecName = 'h264' | 'vp8';

export interface SdpCodec {
  pt: number;
  /** Lower case encoding name: h264, vp8, opus, rtx... */
  name: string;
  clockRate: number;
  channels?: number;
  fmtp: Record<string, string>;
}

export interface SdpMedia {
  kind: string;
  mid?: string;
  direction: Direction;
  codecs: SdpCodec[];
  /**
   * The simulcast encodings a publisher sends (RFC 8853 `a=simulcast:send`, each an `a=rid ... send`),
   * in its order of preference: the first is the one to use when nothing else is asked for.
   */
  rids?: string[];
}

/** At most this many simulcast encodings (browsers send 3). */
export const MAX_SIMULCAST_LAYERS = 4;
const RID_RE = /^[A-Za-z0-9_-]{1,16}$/;

export interface SdpOffer {
  media: SdpMedia[];
  /** The offer has an SCTP section for data channels (a WHEP viewer's timed data). */
  dataChannel?: boolean;
}

/** The one data-channel section an offer may add (RFC 8841). */
const DATA_CHANNEL_LINE = /^m=application \d+ (?:UDP\/DTLS\/SCTP|DTLS\/SCTP) webrtc-datachannel$/;

const invalid = (message: string): StudioError => new StudioError('SDP_INVALID', message);

function lines(sdp: string): string[] {
  return sdp.split(/\r?\n/).filter((l) => l.length > 0);
}

export function parseFmtp(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of value.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim().toLowerCase()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** Parses and checks an offer: size, shape, ICE and DTLS credentials, audio/video sections and at most one data channel. */
export function parseOffer(sdp: unknown): SdpOffer {
  if (typeof sdp !== 'string' || sdp.length === 0) throw invalid('the body must be an SDP offer (Content-Type: application/sdp)');
  if (Buffer.byteLength(sdp) > MAX_SDP_BYTES) {
    throw new StudioError('SDP_TOO_LARGE', `the SDP offer is larger than ${MAX_SDP_BYTES} bytes`, { limit: MAX_SDP_BYTES });
  }
  const all = lines(sdp);
  if (all[0] !== 'v=0') throw invalid('an SDP offer starts with "v=0"');
  if (all.some((l) => !/^[a-z]=/.test(l))) throw invalid('every SDP line is "<letter>=<value>"');
  const media: SdpMedia[] = [];
  let sessionUfrag = false;
  let sessionFingerprint = false;
  let current: (SdpMedia & { ufrag: boolean; fingerprint: boolean; formats: number[]; sendRids: string[]; simulcast?: string[] }) | undefined;
  const sections: NonNullable<typeof current>[] = [];
  for (const line of all) {
    if (line.startsWith('m=')) {
      if (DATA_CHANNEL_LINE.test(line)) {
        current = { kind: 'application', direction: 'sendrecv', codecs: [], ufrag: false, fingerprint: false, formats: [], sendRids: [] };
        sections.push(current);
        if (sections.length > MAX_MEDIA_SECTIONS) throw invalid(`at most ${MAX_MEDIA_SECTIONS} media sections are accepted`);
        continue;
      }
      const m = /^m=(\w+) (\d+)(?:\/\d+)? ([\w/]+)((?: \w+)*)$/.exec(line);
      if (!m) throw invalid(`malformed media line "${line.slice(0, 80)}"`);
      const formats = m[4]!.trim().split(' ').filter(Boolean).map(Number);
      current = { kind: m[1]!, direction: 'sendrecv', codecs: [], ufrag: false, fingerprint: false, formats, sendRids: [] };
      sections.push(current);
      if (sections.length > MAX_MEDIA_SECTIONS) throw invalid(`at most ${MAX_MEDIA_SECTIONS} media sections are accepted`);
      continue;
    }
    if (!line.startsWith('a=')) continue;
    const attr = line.slice(2);
    if (attr.startsWith('ice-ufrag:')) {
      if (current) current.ufrag = true;
      else sessionUfrag = true;
    } else if (attr.startsWith('fingerprint:')) {
      if (current) current.fingerprint = true;
      else sessionFingerprint = true;
    } else if (current) {
      if (attr.startsWith('mid:')) current.mid = attr.slice(4);
      else if (attr === 'sendrecv' || attr === 'sendonly' || attr === 'recvonly' || attr === 'inactive') current.direction = attr;
      else if (attr.startsWith('rtpmap:')) {
        const r = /^rtpmap:(\d+) ([\w.-]+)\/(\d+)(?:\/(\d+))?$/.exec(attr);
        if (!r) throw invalid(`malformed rtpmap "${line.slice(0, 80)}"`);
        current.codecs.push({ pt: Number(r[1]), name: r[2]!.toLowerCase(), clockRate: Number(r[3]), ...(r[4] ? { channels: Number(r[4]) } : {}), fmtp: {} });
      } else if (attr.startsWith('fmtp:')) {
        const f = /^fmtp:(\d+) (.*)$/.exec(attr);
        const codec = f ? current.codecs.find((c) => c.pt === Number(f[1])) : undefined;
        if (codec) codec.fmtp = parseFmtp(f![2]!);
      } else if (attr.startsWith('rid:')) {
        const r = /^rid:(\S+) (send|recv)(?: .*)?$/.exec(attr);
        if (!r || !RID_RE.test(r[1]!)) throw invalid(`malformed rid "${line.slice(0, 80)}"`);
        if (r[2] === 'send') current.sendRids.push(r[1]!);
      } else if (attr.startsWith('simulcast:')) {
        current.simulcast = simulcastSends(attr.slice(10), line);
      }
    }
  }
  if (sections.length === 0) throw invalid('the offer has no media section');
  for (const s of sections) {
    if (!s.ufrag && !sessionUfrag) throw invalid('the offer has no ICE credentials (a=ice-ufrag)');
    if (!s.fingerprint && !sessionFingerprint) throw invalid('the offer has no DTLS fingerprint (a=fingerprint)');
    if (s.kind === 'application' && s.formats.length === 0) continue; // the data channel (DATA_CHANNEL_LINE)
    if (s.kind !== 'audio' && s.kind !== 'video') {
      throw new StudioError('CODEC_UNSUPPORTED', `"${s.kind}" media sections are not accepted: offer audio and video only`, { kind: s.kind });
    }
    const known = s.codecs.filter((c) => s.formats.includes(c.pt));
    const rids = simulcastOf(s);
    media.push({ kind: s.kind, ...(s.mid !== undefined ? { mid: s.mid } : {}), direction: s.direction, codecs: known, ...(rids ? { rids } : {}) });
  }
  const kinds = media.map((m) => m.kind);
  if (new Set(kinds).size !== kinds.length) throw invalid('at most one audio and one video section are accepted');
  const channels = sections.filter((s) => s.kind === 'application' && s.formats.length === 0).length;
  if (channels > 1) throw invalid('at most one data channel section is accepted');
  if (media.length === 0) throw invalid('the offer has no audio or video section');
  return channels === 1 ? { media, dataChannel: true } : { media };
}

/**
 * The `send` streams of an `a=simulcast` value (RFC 8853 section 5.1): `send f;h;q` or
 * `recv ... send 1;2`; of alternatives (`1,2`) the first, a paused stream (`~h`) as itself.
 */
function simulcastSends(value: string, line: string): string[] {
  const words = value.trim().split(/\s+/);
  const at = words.indexOf('send');
  if (words.length % 2 !== 0 || words.some((w, i) => i % 2 === 0 && w !== 'send' && w !== 'recv')) throw invalid(`malformed simulcast "${line.slice(0, 80)}"`);
  if (at < 0) return [];
  return words[at + 1]!.split(';').map((group) => group.split(',')[0]!.replace(/^~/, ''));
}

/** A section's simulcast encodings, checked: each named by an `a=rid ... send`, none twice, a few at most. */
function simulcastOf(s: { kind: string; sendRids: string[]; simulcast?: string[] }): string[] | undefined {
  if (!s.simulcast || s.simulcast.length === 0) return undefined;
  if (s.kind !== 'video') throw invalid('simulcast is accepted for video only');
  if (s.simulcast.length > MAX_SIMULCAST_LAYERS) throw invalid(`at most ${MAX_SIMULCAST_LAYERS} simulcast encodings are accepted`);
  if (new Set(s.simulcast).size !== s.simulcast.length) throw invalid('a simulcast encoding is named twice');
  const missing = s.simulcast.find((rid) => !s.sendRids.includes(rid));
  if (missing !== undefined) throw invalid(`simulcast names "${missing}", which no "a=rid:${missing} send" line describes`);
  return s.simulcast;
}

/** H.264 profile_idc of a profile-level-id (42 baseline, 4d main, 64 high), lower case. */
function profileOf(codec: SdpCodec): string {
  return (codec.fmtp['profile-level-id'] ?? '42001f').slice(0, 2).toLowerCase();
}

/**
 * The video codec to use: the first name of `accept` the section offers. H.264 needs packetization-mode 1
 * (FU-A); among those the one with `h264Profile` (the source's profile_idc) wins, then constrained baseline.
 */
export function pickVideoCodec(media: SdpMedia, accept: readonly VideoCodecName[], h264Profile?: string): SdpCodec | undefined {
  for (const name of accept) {
    const candidates = media.codecs.filter((c) => c.name === name && c.clockRate === 90000);
    if (name !== 'h264') {
      if (candidates[0]) return candidates[0];
      continue;
    }
    const mode1 = candidates.filter((c) => c.fmtp['packetization-mode'] === '1');
    const best =
      (h264Profile && mode1.find((c) => profileOf(c) === h264Profile.toLowerCase())) ||
      mode1.find((c) => (c.fmtp['profile-level-id'] ?? '').toLowerCase() === '42e01f') ||
      mode1[0];
    if (best) return best;
  }
  return undefined;
}

export function pickOpus(media: SdpMedia): SdpCodec | undefined {
  return media.codecs.find((c) => c.name === 'opus' && c.clockRate === 48000);
}

export interface CodecChoice {
  /** `rids`: a publisher's simulcast encodings, in its order of preference. */
  video?: { codec: SdpCodec; name: VideoCodecName; rids?: string[] };
  audio?: { codec: SdpCodec };
}

/**
 * Chooses one codec per section or refuses the offer. `role` says which way media flows from our side:
 * a WHEP viewer must be able to receive, a WHIP publisher must send.
 */
export function chooseCodecs(offer: SdpOffer, role: 'send' | 'receive', videoAccept: readonly VideoCodecName[], h264Profile?: string): CodecChoice {
  const choice: CodecChoice = {};
  const wanted = role === 'send' ? ['recvonly', 'sendrecv'] : ['sendonly', 'sendrecv'];
  for (const media of offer.media) {
    if (!wanted.includes(media.direction)) {
      throw invalid(`the ${media.kind} section is ${media.direction}: ${role === 'send' ? 'a viewer offers recvonly' : 'a publisher offers sendonly'}`);
    }
    if (media.kind === 'video') {
      const codec = pickVideoCodec(media, videoAccept, h264Profile);
      if (!codec) {
        throw new StudioError('CODEC_UNSUPPORTED', `no video codec in common: this stream needs ${videoAccept.map(describe).join(' or ')}`, {
          offered: media.codecs.map((c) => c.name),
        });
      }
      choice.video = { codec, name: codec.name as VideoCodecName, ...(role === 'receive' && media.rids ? { rids: media.rids } : {}) };
    } else {
      const codec = pickOpus(media);
      if (!codec) throw new StudioError('CODEC_UNSUPPORTED', 'no audio codec in common: Opus is required', { offered: media.codecs.map((c) => c.name) });
      choice.audio = { codec };
    }
  }
  return choice;
}

function describe(name: VideoCodecName): string {
  return name === 'h264' ? 'H.264 (packetization-mode=1)' : 'VP8';
}

/**
 * The offer with each audio/video section narrowed to the chosen payload type: other formats, and
 * their rtpmap/fmtp/rtcp-fb lines, are removed; so is transport-cc feedback unless `twcc` (werift
 * echoes the offer's feedback types in its answer). Line endings are normalised to CRLF.
 */
export function narrowOffer(sdp: string, choice: CodecChoice, twcc = false): string {
  const out: string[] = [];
  let keep: number | undefined;
  for (const line of lines(sdp)) {
    const m = /^m=(audio|video) (\S+) (\S+)(?: .*)?$/.exec(line);
    if (m) {
      keep = (m[1] === 'video' ? choice.video : choice.audio)?.codec.pt;
      out.push(keep === undefined ? line : `m=${m[1]} ${m[2]} ${m[3]} ${keep}`);
      continue;
    }
    if (line.startsWith('m=')) keep = undefined;
    const attr = /^a=(rtpmap|fmtp|rtcp-fb):(\d+|\*)[ /]/.exec(line);
    if (keep !== undefined && attr && attr[2] !== '*' && Number(attr[2]) !== keep) continue;
    if (!twcc && /^a=rtcp-fb:\S+ transport-cc$/.test(line)) continue;
    out.push(line);
  }
  return `${out.join('\r\n')}\r\n`;
}

/**
 * The offer with its simulcast narrowed to the first encoding (`a=simulcast:send <rid>` and that rid's
 * line): answered so, a browser sends that encoding alone (RFC 8853 section 5.3), named by its rid
 * (the offer gave no SSRC to route it by otherwise), which is what a one-encoding reader (the ingest) needs.
 */
export function firstEncodingOnly(sdp: string, rid: string): string {
  const out: string[] = [];
  for (const line of lines(sdp)) {
    if (line.startsWith('a=simulcast:')) out.push(`a=simulcast:send ${rid}`);
    else if (!line.startsWith('a=rid:') || line.startsWith(`a=rid:${rid} `)) out.push(line);
  }
  return `${out.join('\r\n')}\r\n`;
}

export interface TrickleCandidate {
  candidate: string;
  mid?: string;
}

/**
 * A trickle-ice-sdpfrag body (RFC 8840): its candidates with their mid, and the ICE ufrag it names.
 * Only a=candidate, a=end-of-candidates, a=mid, a=ice-ufrag/pwd, a=group and m= lines are expected.
 */
export function parseTrickleFragment(fragment: unknown): { ufrag?: string; candidates: TrickleCandidate[]; end: boolean } {
  if (typeof fragment !== 'string') throw invalid('the body must be an SDP fragment (Content-Type: application/trickle-ice-sdpfrag)');
  if (Buffer.byteLength(fragment) > MAX_SDP_BYTES) throw new StudioError('SDP_TOO_LARGE', `the fragment is larger than ${MAX_SDP_BYTES} bytes`);
  const candidates: TrickleCandidate[] = [];
  let mid: string | undefined;
  let ufrag: string | undefined;
  let end = false;
  for (const line of lines(fragment)) {
    if (!/^[a-z]=/.test(line)) throw invalid('every SDP line is "<letter>=<value>"');
    if (line.startsWith('m=')) mid = undefined;
    else if (line.startsWith('a=mid:')) mid = line.slice(6);
    else if (line.startsWith('a=ice-ufrag:')) ufrag = line.slice(12);
    else if (line === 'a=end-of-candidates') end = true;
    else if (line.startsWith('a=candidate:')) {
      if (!/^a=candidate:\S+ \d+ (udp|tcp|UDP|TCP) \d+ \S+ \d+ typ \w+/.test(line)) throw invalid(`malformed candidate "${line.slice(0, 80)}"`);
      candidates.push({ candidate: line.slice(2), ...(mid !== undefined ? { mid } : {}) });
    }
  }
  return { ...(ufrag !== undefined ? { ufrag } : {}), candidates, end };
}

/** An offered m-section we cannot serve (a video section for a feed without a picture), rejected in the answer. */
export interface RejectedSection {
  /** Its place among the offer's m-sections. */
  index: number;
  kind: string;
  mid: string | null;
  /** The m-line's protocol and first format, repeated in the rejection (RFC 3264 section 6). */
  proto: string;
  fmt: string;
}

/**
 * Pure: the offer without its m-sections of `kinds` (and their mids out of the BUNDLE group), for a
 * peer that could not answer them; `restoreRejected` puts them back into the answer, rejected.
 */
export function withoutSections(sdp: string, kinds: readonly string[]): { offer: string; rejected: RejectedSection[] } {
  if (kinds.length === 0) return { offer: sdp, rejected: [] };
  const sections: string[][] = [[]];
  for (const line of lines(sdp)) {
    if (line.startsWith('m=')) sections.push([]);
    sections.at(-1)!.push(line);
  }
  const [session, ...media] = sections as [string[], ...string[][]];
  const rejected: RejectedSection[] = [];
  const kept: string[][] = [];
  media.forEach((section, index) => {
    const m = /^m=(\S+) \S+ (\S+) (\S+)/.exec(section[0]!);
    if (m && kinds.includes(m[1]!)) {
      const mid = section.find((l) => l.startsWith('a=mid:'))?.slice(6) ?? null;
      rejected.push({ index, kind: m[1]!, mid, proto: m[2]!, fmt: m[3]! });
    } else kept.push(section);
  });
  if (kept.length === 0) throw invalid('the offer asks for nothing this stream has');
  const gone = new Set(rejected.map((r) => r.mid).filter((mid): mid is string => mid !== null));
  const head = session.map((l) => (l.startsWith('a=group:BUNDLE ') ? ['a=group:BUNDLE', ...l.slice(15).split(' ').filter((mid) => mid && !gone.has(mid))].join(' ') : l));
  return { offer: `${[...head, ...kept.flat()].join('\r\n')}\r\n`, rejected };
}

/** Pure: `answer` with each rejected section back in its place, port 0 (RFC 3264 section 6), outside the BUNDLE group. */
export function restoreRejected(answer: string, rejected: readonly RejectedSection[]): string {
  if (rejected.length === 0) return answer;
  const sections: string[][] = [[]];
  for (const line of lines(answer)) {
    if (line.startsWith('m=')) sections.push([]);
    sections.at(-1)!.push(line);
  }
  const [session, ...media] = sections as [string[], ...string[][]];
  for (const r of [...rejected].sort((a, b) => a.index - b.index)) {
    media.splice(r.index, 0, [`m=${r.kind} 0 ${r.proto} ${r.fmt}`, 'c=IN IP4 0.0.0.0', ...(r.mid !== null ? [`a=mid:${r.mid}`] : []), 'a=inactive']);
  }
  return `${[...session, ...media.flat()].join('\r\n')}\r\n`;
}
