import { useRef, useState } from 'react';
import { Icon } from '../../ui/Icon.js';
import { Modal } from '../../ui/Modal.js';
import { formatBytes, formatRate } from '../dashboard/format.js';
import { useRunners } from '../edges/runners-store.js';
import { formatEta, nextStep, VIDEO_BADGE } from './format.js';
import { videoHref } from './route.js';
import { useLibrary } from './store.js';
import { secondsLeft } from './upload-model.js';
import { useUploads, type UploadItem } from './upload-store.js';

/** Drag and drop or a file picker; a row per file with its progress, then what happens to its video next. */
export function UploadDialog({ onClose }: { onClose(): void }) {
  const items = useUploads((s) => s.items);
  const { add, clearDone } = useUploads.getState();
  const picker = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const finished = items.some((i) => i.phase === 'done' || i.phase === 'failed');

  return (
    <Modal
      wide
      title="Upload videos"
      testId="upload-dialog"
      onClose={onClose}
      footer={
        <>
          {finished && (
            <button className="button ghost" data-testid="upload-clear" onClick={clearDone}>
              Clear finished
            </button>
          )}
          <button className="button" onClick={onClose}>
            {items.some((i) => i.phase === 'uploading') ? 'Keep uploading in the background' : 'Close'}
          </button>
        </>
      }
    >
      <div
        className={`dropzone ${over ? 'dropzone-over' : ''}`}
        data-testid="upload-dropzone"
        onDragOver={(e) => {
          e.preventDefault();
          e.stopPropagation();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          e.stopPropagation();
          setOver(false);
          add([...e.dataTransfer.files]);
        }}
      >
        <span className="dropzone-icon"><Icon name="upload" size={26} /></span>
        <div>
          <strong>Drop video files here</strong>
          <div className="muted small">MP4, MOV, MKV, WebM… sent in 5 MB chunks that resume after a cut</div>
        </div>
        <button className="button" data-testid="upload-choose" onClick={() => picker.current?.click()}>
          Choose files
        </button>
        <input
          ref={picker}
          type="file"
          accept="video/*,audio/*,.mkv,.mov,.mxf,.ts"
          multiple
          hidden
          data-testid="upload-input"
          onChange={(e) => {
            add([...(e.target.files ?? [])]);
            e.target.value = '';
          }}
        />
      </div>
      {items.length > 0 && (
        <ul className="upload-list" data-testid="upload-list">
          {items.map((item) => (
            <UploadRow key={item.key} item={item} />
          ))}
        </ul>
      )}
    </Modal>
  );
}

function UploadRow({ item }: { item: UploadItem }) {
  const { pause, resume, cancel } = useUploads.getState();
  const video = useLibrary((s) => (item.videoId ? s.videos[item.videoId] : undefined));
  const runnerNames = useRunners((s) => s.names);
  const share = item.size > 0 ? item.sent / item.size : 1;
  const finishing = item.phase === 'uploading' && item.sent >= item.size;
  const left = formatEta(secondsLeft(item.sent, item.size, item.rate));
  const status =
    item.phase === 'failed'
      ? item.error ?? 'The upload failed'
      : item.phase === 'paused'
        ? `Paused at ${formatBytes(item.sent)} of ${formatBytes(item.size)}`
        : item.phase === 'done'
          ? `Uploaded ${formatBytes(item.size)}`
          : finishing
            ? 'Putting the parts together…'
            : `${formatBytes(item.sent)} of ${formatBytes(item.size)}${item.parts > 1 ? ` · ${item.parts} parts at once` : ''}${item.rate ? ` · ${formatRate(item.rate)}` : ''}${left ? ` · ${left} left` : ''}`;

  return (
    <li className={`upload-row upload-${item.phase}`} data-testid={`upload-row-${item.name}`} data-phase={item.phase}>
      <div className="upload-file">
        <Icon name="film" size={18} />
        <div className="upload-main">
          <div className="upload-name-line">
            <span className="upload-name" title={item.name}>{item.name}</span>
            <span className="upload-percent mono" data-testid="upload-percent">{Math.floor(share * 100)} %</span>
          </div>
          <div className="upload-bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.floor(share * 100)}>
            <div style={{ width: `${share * 100}%` }} />
          </div>
          <div className={`small ${item.phase === 'failed' ? 'upload-error' : 'muted'}`} data-testid="upload-status">{status}</div>
        </div>
        <div className="upload-actions">
          {item.phase === 'uploading' && !finishing && (
            <button className="icon-button" aria-label="Pause" title="Pause" data-testid="upload-pause" onClick={() => pause(item.key)}>
              <Icon name="pause" />
            </button>
          )}
          {(item.phase === 'paused' || item.phase === 'failed') && (
            <button className="icon-button" aria-label="Resume" title="Resume from where the host stopped" data-testid="upload-resume" onClick={() => resume(item.key)}>
              <Icon name="play" />
            </button>
          )}
          {item.phase !== 'done' && (
            <button className="icon-button" aria-label="Cancel" title="Cancel and remove the upload" data-testid="upload-cancel" onClick={() => cancel(item.key)}>
              <Icon name="close" />
            </button>
          )}
        </div>
      </div>
      {video && (
        <div className="upload-next" data-testid="upload-next" data-state={video.state}>
          <span className={`badge ${VIDEO_BADGE[video.state]}`}>{video.state}</span>
          <span className="upload-next-text">{nextStep(video, runnerNames)}</span>
          {video.state === 'processing' && (
            <div className="upload-next-meter" aria-hidden="true">
              <div style={{ width: `${video.progress * 100}%` }} />
            </div>
          )}
          <a className="upload-open" href={videoHref(video.id)} data-testid="upload-open">
            Open <Icon name="back" size={14} />
          </a>
        </div>
      )}
      {item.phase === 'done' && !video && <div className="upload-next muted small">Waiting for the host to queue it…</div>}
    </li>
  );
}
