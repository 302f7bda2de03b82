import type { UrlSigner } from '../protocols/signing.js';
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

/**
 * Paths of a ready video's outputs and its watch page (unsigned: a private video's need `?exp=&sig=`).
 * An encrypted video has no MP4 (a file would be clear); its HLS is AES-128, its MPD Common Encryption (cbcs).
 */
export function videoUrls(id: string, thumbnails: readonly string[], query = '', encrypted = false): NonNullable<Video['urls']> {
  const q = query ? `?${query}` : '';
  const at = (file: string): string => `/vod/${id}/${file}${q}`;
  return {
    watch: `/watch/${id}${q}`,
    hls: at(VOD_FILES.hls),
    dash: at(VOD_FILES.dash),
    mp4: encrypted ? null : at(VOD_FILES.mp4),
    poster: at(VOD_FILES.poster),
    thumbnails: thumbnails.map(at),
    sprite: at(VOD_FILES.sprite),
    chapters: at(VOD_FILES.chapters),
  };
}

/** A video's watch page and playback URLs under `baseUrl`, signed for `vod/<id>` when it is private. */
export function watchUrls(
  video: { id: string; visibility: Video['visibility']; encryption: Video['encryption'] },
  signer: Pick<UrlSigner, 'sign'>,
  expiresInSec: number,
  baseUrl = '',
): { watch: string; hls: string; dash: string | null; mp4: string | null; expiresAt: number | null } {
  const signed = video.visibility === 'private' ? signer.sign(`vod/${video.id}`, { expiresInSec }) : null;
  const urls = videoUrls(video.id, [], signed ? new URLSearchParams(Object.entries(signed)).toString() : '', video.encryption !== 'none');
  return {
    watch: baseUrl + urls.watch,
    hls: baseUrl + urls.hls,
    dash: urls.dash === null ? null : baseUrl + urls.dash,
    mp4: urls.mp4 === null ? null : baseUrl + urls.mp4,
    expiresAt: signed ? Number(signed.exp) * 1000 : null,
  };
}
