import { needsCredential } from './format.js';
import { useState } from 'react';
import type { Stream } from '../../../src-shared/contract/index.js';
import { Card } from '../../ui/Card.js';
import { CopyField } from '../../ui/CopyButton.js';
import { Icon } from '../../ui/Icon.js';
import { viewerLinks } from './embed.js';
import { useStreams } from './store.js';

const EXPIRY_CHOICES = [
  { sec: 600, label: '10 minutes' },
  { sec: 3600, label: '1 hour' },
  { sec: 86400, label: '1 day' },
  { sec: 7 * 86400, label: '7 days' },
];

/** Where viewers watch: plain URLs, or for a private stream signed ones that expire. */
export function PlaybackUrls({ stream }: { stream: Stream }) {
  const signed = useStreams((s) => s.signed[stream.name]);
  const signUrls = useStreams((s) => s.signUrls);
  const [expiresInSec, setExpiry] = useState(3600);
  const [busy, setBusy] = useState(false);
  // A private stream's pages need the signature: they show once signed URLs exist.
  const links = !needsCredential(stream) || signed ? viewerLinks(stream.name, stream.playback.hls, signed?.hls) : null;
  const sign = async () => {
    setBusy(true);
    await signUrls(stream.name, expiresInSec);
    setBusy(false);
  };
  return (
    <Card title="Playback URLs" testId="stream-playback-urls">
      {needsCredential(stream) && (
        <div className="notice notice-warn">
          <Icon name="lock" />
          <span>Private stream: these plain URLs are refused. Give viewers signed URLs; they stop working when they expire.</span>
        </div>
      )}
      <div className="field-label">HLS (hls.js, Safari, most players)</div>
      <CopyField value={stream.playback.hls} testId="playback-hls" copyTestId="playback-hls-copy" />
      <div className="field-label">DASH (dash.js, Shaka)</div>
      <CopyField value={stream.playback.dash} testId="playback-dash" copyTestId="playback-dash-copy" />
      {needsCredential(stream) && (
        <div className="sign-row">
          <select className="input input-compact" aria-label="Valid for" data-testid="sign-expiry" value={expiresInSec} onChange={(e) => setExpiry(Number(e.target.value))}>
            {EXPIRY_CHOICES.map((c) => (
              <option key={c.sec} value={c.sec}>valid {c.label}</option>
            ))}
          </select>
          <button className="button" data-testid="stream-sign-urls" disabled={busy} onClick={() => void sign()}>
            <Icon name="key" size={16} /> {busy ? 'Signing…' : 'Get signed URLs'}
          </button>
        </div>
      )}
      {needsCredential(stream) && signed && (
        <div className="signed" data-testid="signed-urls">
          <div className="field-label">Signed HLS</div>
          <CopyField value={signed.hls} testId="signed-hls" copyTestId="signed-hls-copy" />
          <div className="field-label">Signed DASH</div>
          <CopyField value={signed.dash} testId="signed-dash" copyTestId="signed-dash-copy" />
          <div className="muted small">Expire {new Date(signed.expiresAt).toLocaleString()}</div>
        </div>
      )}
      {links && (
        <>
          <div className="field-label">Player page (through the edges when there are some)</div>
          <CopyField value={links.page} testId="player-page-url" copyTestId="player-page-copy" />
          <div className="field-label">Embed (paste into a web page)</div>
          <CopyField value={links.iframe} testId="embed-snippet" copyTestId="embed-snippet-copy" />
        </>
      )}
    </Card>
  );
}
