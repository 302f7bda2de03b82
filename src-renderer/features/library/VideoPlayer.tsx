import { useEffect, useRef, useState } from 'react';
import type { Chapter, Video } from '../../../src-shared/contract/index.js';
import { formatClock } from '../../../src-shared/dvr.js';
import { cueAt, previewTile } from '../../../src-shared/vod-cues.js';
import { Icon } from '../../ui/Icon.js';
import { releaseVideo } from '../streams/player/engine.js';
import { useVttCues, withQueryOf } from './use-vod-cues.js';

interface Track {
  id: number;
  label: string;
}

/** The master with a marker of its track list: a cached master (max-age) would hide a track just added. */
function withTracks(url: string, trackKey: string): string {
  return trackKey ? `${url}${url.includes('?') ? '&' : '?'}tracks=${encodeURIComponent(trackKey)}` : url;
}

/**
 * hls.js on a <video>, with its subtitle tracks; the native player where only that exists (Safari).
 * A change of `trackKey` (a subtitle added or removed) loads the master again where playback was.
 */
function useHls(video: React.RefObject<HTMLVideoElement | null>, url: string, trackKey: string) {
  const [tracks, setTracks] = useState<Track[]>([]);
  const [track, setTrackState] = useState(-1);
  const [error, setError] = useState<string | null>(null);
  const hlsRef = useRef<{ subtitleTrack: number; subtitleDisplay: boolean } | null>(null);
  // Where the last load stopped (taken before the element is released): the next load of the same video starts there.
  const resumeRef = useRef({ url: '', at: 0, play: false });
  useEffect(() => {
    const el = video.current;
    if (!el) return;
    let dead = false;
    let destroy = () => releaseVideo(el);
    const resume = resumeRef.current.url === url ? resumeRef.current : { url, at: 0, play: false };
    const src = withTracks(url, trackKey);
    setError(null);
    setTracks([]);
    setTrackState(-1);
    void import('hls.js').then(({ default: Hls }) => {
      if (dead) return;
      if (!Hls.isSupported()) {
        el.src = src;
        return;
      }
      const hls = new Hls(resume.at > 0 ? { startPosition: resume.at } : {});
      // Tracks stay hidden until the viewer picks one in the menu.
      hls.subtitleDisplay = false;
      hlsRef.current = hls;
      hls.on(Hls.Events.SUBTITLE_TRACKS_UPDATED, (_e, data) => setTracks(data.subtitleTracks.map((t) => ({ id: t.id, label: t.name || t.lang || `Track ${t.id + 1}` }))));
      hls.on(Hls.Events.SUBTITLE_TRACK_SWITCH, (_e, data) => setTrackState(data.id));
      hls.on(Hls.Events.ERROR, (_e, data) => data.fatal && setError(`${data.type}: ${data.details}`));
      if (resume.play) hls.once(Hls.Events.MANIFEST_PARSED, () => void el.play().catch(() => undefined));
      hls.loadSource(src);
      hls.attachMedia(el);
      destroy = () => {
        hls.destroy();
        hlsRef.current = null;
        releaseVideo(el);
      };
    });
    return () => {
      dead = true;
      resumeRef.current = { url, at: el.currentTime, play: !el.paused };
      destroy();
    };
  }, [video, url, trackKey]);
  const setTrack = (id: number) => {
    const hls = hlsRef.current;
    if (!hls) return;
    hls.subtitleTrack = id;
    hls.subtitleDisplay = id >= 0;
    setTrackState(id);
  };
  return { tracks, track, setTrack, error };
}

interface PlayerProps {
  video: Video;
  /** The HLS master, signed for a private video. */
  hlsUrl: string;
  /** Told the playhead, for the chapter editor's "add at the playhead". */
  onTime?(sec: number): void;
  seekTo?: { sec: number; at: number } | null;
}

/** The video page's player: hls.js, a seek bar with sprite previews and chapter marks, and a subtitles menu. */
export function VideoPlayer({ video: v, hlsUrl, onTime, seekTo }: PlayerProps) {
  const el = useRef<HTMLVideoElement>(null);
  const { tracks, track, setTrack, error } = useHls(el, hlsUrl, v.subtitles.map((s) => s.id).join('.'));
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState(v.durationSec ?? 0);
  const [paused, setPaused] = useState(true);
  const previewsUrl = v.urls?.sprite ? withQueryOf(v.urls.sprite, hlsUrl) : null;
  const cues = useVttCues(previewsUrl);

  useEffect(() => {
    if (seekTo && el.current) el.current.currentTime = seekTo.sec;
  }, [seekTo]);

  const toggle = () => {
    const media = el.current;
    if (media) void (media.paused ? media.play().catch(() => undefined) : media.pause());
  };

  return (
    <div className="vod-player" data-testid="video-player">
      <div className="player-stage">
        <video
          ref={el}
          className="player-video"
          data-testid="video-player-video"
          playsInline
          poster={v.urls?.poster ? withQueryOf(v.urls.poster, hlsUrl) : undefined}
          onClick={toggle}
          onTimeUpdate={(e) => {
            setTime(e.currentTarget.currentTime);
            onTime?.(e.currentTarget.currentTime);
          }}
          onDurationChange={(e) => Number.isFinite(e.currentTarget.duration) && setDuration(e.currentTarget.duration)}
          onPlay={() => setPaused(false)}
          onPause={() => setPaused(true)}
        />
        {error && <div className="player-overlay player-overlay-error" data-testid="video-player-error">{error}</div>}
      </div>
      <SeekBar
        time={time}
        duration={duration}
        chapters={v.chapters}
        tileAt={(sec) => {
          const cue = cueAt(cues, sec);
          const tile = cue && previewsUrl ? previewTile(cue.text, new URL(previewsUrl, window.location.href).href) : null;
          return tile ? { ...tile, url: withQueryOf(tile.url, hlsUrl) } : null;
        }}
        onSeek={(sec) => {
          if (el.current) el.current.currentTime = sec;
        }}
      />
      <div className="vod-controls">
        <button className="icon-button vod-play" aria-label={paused ? 'Play' : 'Pause'} data-testid="video-player-play" onClick={toggle}>
          <Icon name={paused ? 'play' : 'pause'} size={18} />
        </button>
        <span className="vod-time mono" data-testid="video-player-time">
          {formatClock(time)} / {formatClock(duration)}
        </span>
        <span className="vod-chapter muted small">{chapterAt(v.chapters, time)?.title ?? ''}</span>
        <span className="grow" />
        <label className="vod-subtitles" title="Subtitles">
          <Icon name="captions" size={16} />
          <select
            className="input input-compact"
            aria-label="Subtitles"
            data-testid="video-player-subtitles"
            value={track}
            disabled={tracks.length === 0}
            onChange={(e) => setTrack(Number(e.target.value))}
          >
            <option value={-1}>{tracks.length === 0 ? 'No subtitles' : 'Subtitles off'}</option>
            {tracks.map((t) => (
              <option key={t.id} value={t.id}>{t.label}</option>
            ))}
          </select>
        </label>
        <button className="icon-button" aria-label="Full screen" onClick={() => void el.current?.parentElement?.requestFullscreen().catch(() => undefined)}>
          <Icon name="fullscreen" size={18} />
        </button>
      </div>
    </div>
  );
}

export function chapterAt(chapters: Chapter[], sec: number): Chapter | null {
  let found: Chapter | null = null;
  for (const c of chapters) if (c.startSec <= sec && (!found || c.startSec >= found.startSec)) found = c;
  return found;
}

interface SeekBarProps {
  time: number;
  duration: number;
  chapters: Chapter[];
  tileAt(sec: number): { url: string; x: number; y: number; w: number; h: number } | null;
  onSeek(sec: number): void;
}

/** A seek bar whose hover shows the sprite tile, the time and the chapter there. */
function SeekBar({ time, duration, chapters, tileAt, onSeek }: SeekBarProps) {
  const [hover, setHover] = useState<{ x: number; width: number } | null>(null);
  const at = (x: number, width: number) => (duration > 0 ? Math.min(duration, Math.max(0, (x / width) * duration)) : 0);
  const hoverSec = hover ? at(hover.x, hover.width) : 0;
  const tile = hover ? tileAt(hoverSec) : null;
  const tipWidth = tile?.w ?? 80;
  const tipLeft = hover ? Math.min(Math.max(hover.x, tipWidth / 2), hover.width - tipWidth / 2) : 0;
  const pointer = (e: React.PointerEvent<HTMLDivElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    return { x: e.clientX - box.left, width: box.width };
  };
  return (
    <div
      className="vod-seek"
      data-testid="video-player-seek"
      role="slider"
      aria-label="Seek"
      aria-valuemin={0}
      aria-valuemax={Math.round(duration)}
      aria-valuenow={Math.round(time)}
      tabIndex={0}
      onPointerMove={(e) => setHover(pointer(e))}
      onPointerLeave={() => setHover(null)}
      onPointerDown={(e) => {
        const p = pointer(e);
        onSeek(at(p.x, p.width));
      }}
      onKeyDown={(e) => {
        if (e.key === 'ArrowRight') onSeek(Math.min(duration, time + 5));
        if (e.key === 'ArrowLeft') onSeek(Math.max(0, time - 5));
      }}
    >
      <div className="vod-seek-track">
        <div className="vod-seek-fill" style={{ width: `${duration > 0 ? (time / duration) * 100 : 0}%` }} />
        {chapters
          .filter((c) => c.startSec > 0 && c.startSec < duration)
          .map((c) => (
            <span key={c.startSec} className="vod-seek-mark" style={{ left: `${(c.startSec / duration) * 100}%` }} title={c.title} />
          ))}
      </div>
      {hover && (
        <div className="vod-seek-tip" style={{ left: tipLeft }} data-testid="video-player-preview" data-has-tile={tile ? 'yes' : 'no'}>
          {tile && (
            <div
              className="vod-seek-tile"
              style={{ width: tile.w, height: tile.h, backgroundImage: `url("${tile.url}")`, backgroundPosition: `-${tile.x}px -${tile.y}px` }}
            />
          )}
          <span className="vod-seek-tip-text">
            {chapterAt(chapters, hoverSec) && <b>{chapterAt(chapters, hoverSec)!.title}</b>}
            <span className="mono">{formatClock(hoverSec)}</span>
          </span>
        </div>
      )}
    </div>
  );
}
