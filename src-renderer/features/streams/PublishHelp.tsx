import type { StreamWithKey } from '../../../src-shared/contract/index.js';
import { CopyField } from '../../ui/CopyButton.js';
import { ffmpegCommand } from './format.js';

/** Where to paste the key: OBS step by step, then SRT and ffmpeg for other encoders. */
export function PublishHelp({ stream }: { stream: StreamWithKey }) {
  return (
    <div className="publish-help">
      <section>
        <h3>Set up OBS</h3>
        <ol className="steps" data-testid="obs-steps">
          <li>
            Open <strong>Settings → Stream</strong> and choose <strong>Service: Custom…</strong>
          </li>
          <li>
            <strong>Server:</strong>
            <CopyField value={stream.ingest.obsServer} testId="stream-obs-server" copyTestId="stream-obs-server-copy" />
          </li>
          <li>
            <strong>Stream Key:</strong>
            <CopyField value={stream.key} testId="stream-obs-key" copyTestId="stream-obs-key-copy" secret />
          </li>
          <li>
            In <strong>Settings → Output</strong> (Output Mode: Advanced), set <strong>Keyframe Interval</strong> to{' '}
            <strong>2 s</strong>: segments are cut on keyframes, so this keeps latency low and quality switches clean.
          </li>
          <li>
            Click <strong>Start Streaming</strong>. The stream turns <span className="badge badge-live">live</span> here within a
            few seconds.
          </li>
        </ol>
      </section>
      <section>
        <h3>Other encoders</h3>
        <div className="field-label">SRT (OBS 28+, ffmpeg, hardware encoders)</div>
        <CopyField value={stream.publishUrls.srt} testId="stream-publish-srt" copyTestId="stream-publish-srt-copy" />
        <div className="field-label">ffmpeg</div>
        <CopyField value={ffmpegCommand(stream.publishUrls.rtmp)} testId="stream-ffmpeg-command" copyTestId="stream-ffmpeg-copy" />
      </section>
    </div>
  );
}
