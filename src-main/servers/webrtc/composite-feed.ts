import type { FeedSink, MediaFeed } from './feed.js';

/**
 * A feed of one stream's picture and another's sound: a guest's return feed is the program's video
 * (encoded once, for every viewer of the show) with the sound the studio mixed for that guest alone
 * (the program without their own voice). Without a picture (the show is not live yet) it is sound only.
 */
export class CompositeFeed implements MediaFeed {
  private sinks = 0;

  constructor(
    readonly name: string,
    private readonly picture: MediaFeed | null,
    private readonly sound: MediaFeed,
  ) {}

  get video(): MediaFeed['video'] {
    return this.picture?.video;
  }

  get hasAudio(): boolean {
    return this.sound.hasAudio;
  }

  get sinkCount(): number {
    return this.sinks;
  }

  attach(sink: FeedSink): () => void {
    const quiet = (): void => undefined;
    const offPicture = this.picture?.attach({ id: sink.id, video: (rtp) => sink.video(rtp), audio: quiet, ...(sink.timeMap ? { timeMap: (map) => sink.timeMap!(map) } : {}) });
    const offSound = this.sound.attach({ id: sink.id, video: quiet, audio: (rtp) => sink.audio(rtp) });
    this.sinks += 1;
    let attached = true;
    return () => {
      if (!attached) return;
      attached = false;
      this.sinks -= 1;
      offPicture?.();
      offSound();
    };
  }

  requestKeyframe(): void {
    this.picture?.requestKeyframe();
  }
}
