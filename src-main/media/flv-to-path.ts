import { parseScriptTag } from '../protocols/flv/amf0.js';
import { FlvSplitter, tagBody } from '../protocols/flv/flv.js';
import { TrackTracker } from '../protocols/flv/tracks.js';
import type { MediaChunk, PathPublisher } from './types.js';

/**
 * An ffmpeg's FLV output (a WHIP ingest's remux, a display broadcast's encode) into a stream's Path.
 * The Path is published at the first tag, once ffmpeg's header and onMetaData are out, so the stream
 * goes live when media flows. Only onMetaData is the stream's metadata (the Path caches the latest
 * script tag as such). The tracks are announced as they become known.
 */
export class FlvToPath {
  private readonly splitter = new FlvSplitter();
  private readonly tracks = new TrackTracker();
  private path: PathPublisher | undefined;

  constructor(
    /** What the output is of, for errors: "ingest", "capture". */
    private readonly source: string,
    /** Makes the Path's publisher; throws when the Path refuses (CONFLICT). */
    private readonly publish: () => PathPublisher,
  ) {}

  /** The Path's publisher, once the first tag has been published. */
  get publisher(): PathPublisher | undefined {
    return this.path;
  }

  /**
   * Passes ffmpeg's bytes on and returns the tags written. Throws when the bytes are not FLV
   * ("<source> output is not FLV: ...") or when the Path refuses the publish (its error).
   */
  push(data: Buffer): MediaChunk[] {
    let chunks: MediaChunk[];
    try {
      chunks = this.splitter.push(data);
    } catch (error) {
      throw new Error(`${this.source} output is not FLV: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const written: MediaChunk[] = [];
    for (const chunk of chunks) {
      if (chunk.kind === 'metadata' && parseScriptTag(tagBody(chunk.data))?.name !== 'onMetaData') continue;
      this.path ??= this.publish();
      this.path.write(chunk);
      const tracks = this.tracks.feed(chunk);
      if (tracks) this.path.setTracks(tracks);
      written.push(chunk);
    }
    return written;
  }
}
