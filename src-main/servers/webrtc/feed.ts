import type { VideoCodecName } from '../../protocols/webrtc/sdp.js';

/** One WebRTC viewer as a feed sees it: RTP packets (serialized, so that each sender parses its own copy). */
export interface FeedSink {
  readonly id: string;
  video(rtp: Buffer): void;
  audio(rtp: Buffer): void;
  /** The simulcast encoding (rid) this viewer asked for; undefined or null: the publisher's default. */
  readonly layer?: string | null;
  /** The viewer's streams in the native fan-out (native-fanout.ts), when it is fed that way: a feed hands packets to all such viewers in one call. */
  readonly native?: { readonly streams: { video?: number; audio?: number }; readonly isClosed: boolean } | undefined;
  /** A keyframe's RTP timestamp (as the feed writes it) and media time (FLV ms): the viewer's time map. */
  timeMap?(map: { rtp: number; mediaTime: number }): void;
}

/**
 * A stream's media as RTP for WHEP viewers: either a WHIP publisher's packets as they arrive (SFU),
 * or an RTMP/SRT stream from the Path, repacketized (video) and transcoded (audio).
 */
export interface MediaFeed {
  readonly name: string;
  readonly video: { codec: VideoCodecName; h264Profile?: string } | undefined;
  readonly hasAudio: boolean;
  /** Adds a viewer; a feed that caches the current GOP sends it first. Returns the detach function. */
  attach(sink: FeedSink): () => void;
  /** A viewer lost a picture (PLI/FIR): ask the source for a keyframe (of what `sink` watches) where it can be asked. */
  requestKeyframe(sink?: FeedSink): void;
  readonly sinkCount: number;
}
