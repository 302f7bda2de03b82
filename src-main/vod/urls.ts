import type { Video } from '../../src-shared/contract/videos.js';

/** The files of a ready video under `/vod/<id>/` (outputs as the processor lays them out). */
export const VOD_FILES = {
  hls: 'index.m3u8',
  dash: 'manifest.mpd',
  mp4: 'video.mp4',
  poster: 'poster.jpg',
  sprite: 'previews.vtt',
  chapters: 'chapters.vtt',
} as const;

/** Paths of a ready video's outputs and its watch page (unsigned: a private video's need `?exp=&sig=`). */
export function videoUrls(id: string, thumbnails: readonly string[], query = ''): NonNullable<Video['urls']> {
  const q = query ? `?${query}` : '';
  const at = (file: string): string => `/vod/${id}/${file}${q}`;
  return {
    watch: `/watch/${id}${q}`,
    hls: at(VOD_FILES.hls),
    dash: at(VOD_FILES.dash),
    mp4: at(VOD_FILES.mp4),
    poster: at(VOD_FILES.poster),
    thumbnails: thumbnails.map(at),
    sprite: at(VOD_FILES.sprite),
    chapters: at(VOD_FILES.chapters),
  };
}
