import { CopyField } from '../../ui/CopyButton.js';
import { Icon } from '../../ui/Icon.js';
import { Modal } from '../../ui/Modal.js';
import { PublishHelp } from './PublishHelp.js';
import { useStreams } from './store.js';

/** The stream key, shown this once after creation or rotation, with everything needed to publish. */
export function KeyDialog() {
  const revealed = useStreams((s) => s.revealed);
  const dismiss = useStreams((s) => s.dismissKey);
  if (!revealed) return null;
  const { stream, reason } = revealed;
  return (
    <Modal
      wide
      testId="stream-key-dialog"
      title={reason === 'created' ? `Stream “${stream.name}” created` : `New key for “${stream.name}”`}
      onClose={dismiss}
      footer={
        <button className="button primary" data-testid="stream-key-done" onClick={dismiss}>
          I saved the key
        </button>
      }
    >
      <div className="notice notice-warn">
        <Icon name="key" />
        <span>
          Copy the stream key now: it is shown only this once. Anyone with it can publish to this stream; if it leaks or
          gets lost, rotate it.
          {reason === 'rotated' && ' The old key no longer works, and a publisher using it was disconnected.'}
        </span>
      </div>
      <div className="field-label">Stream key</div>
      <CopyField value={stream.key} testId="stream-key" copyTestId="stream-key-copy" secret />
      <div className="field-label">RTMP publish URL (server and key in one)</div>
      <CopyField value={stream.publishUrls.rtmp} testId="stream-publish-rtmp" copyTestId="stream-publish-rtmp-copy" />
      <PublishHelp stream={stream} />
    </Modal>
  );
}
