/** Video processing: what the library and its job runner use. */
export { VideoProcessor, subtitleToWebVtt, type ProcessorContext, type SubtitleInput, type VideoJob, type VideoOutputs, type VideoProcessorOptions } from './processor.js';
export { applySubtitles, writeChaptersVtt, replaceDir, OUTPUTS_FILE } from './video-files.js';
export { subtitleVttFile } from './subtitles.js';
export type { SubtitleTrack } from './subtitles.js';
