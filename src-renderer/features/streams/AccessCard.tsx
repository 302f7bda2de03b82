import { useState } from 'react';
import type { EncryptionMode, PlayAuth, PublishAuth, Stream } from '../../../src-shared/contract/index.js';
import { call } from '../../api/client.js';
import { Card } from '../../ui/Card.js';
import { CopyField } from '../../ui/CopyButton.js';
import { attempt } from '../../ui/toast-store.js';
import { p2pHint } from './p2p-hint.js';
import { useStreams } from './store.js';

const PUBLISH_WORDS: Record<PublishAuth, [string, string]> = {
  key: ['Key or JWT', 'The stream key, or a publish JWT.'],
  jwt: ['JWT only', 'A publish JWT only: the stream key is refused.'],
  webhook: ['Webhook', 'Your admission webhook (auth.webhookUrl) decides.'],
};
const PLAY_WORDS: Record<PlayAuth, [string, string]> = {
  default: ['Default', 'Anyone; a private stream needs a signed URL or a read JWT.'],
  jwt: ['JWT only', 'A read JWT only.'],
  webhook: ['Webhook', 'Your admission webhook (auth.webhookUrl) decides.'],
};

const ENCRYPTION_WORDS: Record<EncryptionMode, [string, string]> = {
  none: ['Off', 'Segments travel clear; any copy plays.'],
  'aes-128': ['AES-128 (HLS)', 'Segments encrypted; rotating keys go to admitted viewers only. No DASH.'],
  cbcs: ['cbcs (DASH, EME)', 'Samples encrypted (Common Encryption); DASH players get a ClearKey licence if admitted. HLS players need EME.'],
};

/** Who may publish and watch this stream, its viewer cap, and JWTs to hand to a publisher or a player. */
export function AccessCard({ stream }: { stream: Stream }) {
  const update = useStreams((s) => s.update);
  const [token, setToken] = useState<{ action: 'read' | 'publish'; value: string } | null>(null);
  const issue = async (action: 'read' | 'publish') => {
    const made = await attempt(() => call('jwt.issue', { action, streams: [stream.name], expiresInSec: action === 'read' ? 86_400 : 3600 }));
    if (made) setToken({ action, value: made.token });
  };
  return (
    <Card title="Access" testId="stream-access">
      <div className="field-row">
        <div className="field-label">Who publishes</div>
        <select className="input" aria-label="Who publishes" data-testid="stream-publish-auth" value={stream.publishAuth} onChange={(e) => void update({ name: stream.name, publishAuth: e.target.value as PublishAuth })}>
          {Object.entries(PUBLISH_WORDS).map(([v, [w]]) => (
            <option key={v} value={v}>{w}</option>
          ))}
        </select>
        <span className="field-hint">{PUBLISH_WORDS[stream.publishAuth][1]}</span>
      </div>
      <div className="field-row">
        <div className="field-label">Who watches</div>
        <select className="input" aria-label="Who watches" data-testid="stream-play-auth" value={stream.playAuth} onChange={(e) => void update({ name: stream.name, playAuth: e.target.value as PlayAuth })}>
          {Object.entries(PLAY_WORDS).map(([v, [w]]) => (
            <option key={v} value={v}>{w}</option>
          ))}
        </select>
        <span className="field-hint">{PLAY_WORDS[stream.playAuth][1]}</span>
      </div>
      <div className="field-row">
        <div className="field-label">Encryption</div>
        <select
          className="input"
          aria-label="Encryption"
          data-testid="stream-encryption"
          value={stream.encryption}
          onChange={(e) => void update({ name: stream.name, encryption: e.target.value as EncryptionMode })}
        >
          {Object.entries(ENCRYPTION_WORDS).map(([v, [w]]) => (
            <option key={v} value={v} disabled={v !== 'none' && stream.latency !== 'low'}>{w}</option>
          ))}
        </select>
        <span className="field-hint" data-testid="stream-encryption-explain">
          {stream.latency !== 'low' && stream.encryption === 'none'
            ? 'Encryption needs low latency (Latency card).'
            : stream.encryption !== 'none' && !stream.private && stream.playAuth === 'default'
              ? 'Encrypted, but the stream is public: anyone gets its keys. Make it private, or watched by JWT only.'
              : ENCRYPTION_WORDS[stream.encryption][1]}
          {stream.state === 'live' ? ' Applies from the next publish.' : ''}
        </span>
      </div>
      {(stream.encryption !== 'none' || stream.keyProviderUrl !== '') && (
        <div className="field-row">
          <div className="field-label">Key provider</div>
          <input
            key={stream.keyProviderUrl}
            className="input"
            type="url"
            placeholder="The studio's (Settings: live.keyProviderUrl)"
            aria-label="Key provider"
            data-testid="stream-key-provider"
            defaultValue={stream.keyProviderUrl}
            onBlur={(e) => {
              const value = e.target.value.trim();
              if (value !== stream.keyProviderUrl) void update({ name: stream.name, keyProviderUrl: value });
            }}
          />
          <span className="field-hint">
            A platform&apos;s key service for this stream (POSTed each key&apos;s id; it answers the key and any DRM systems). Empty: the studio&apos;s.
            {stream.state === 'live' ? ' Applies from the next publish.' : ''}
          </span>
        </div>
      )}
      {stream.keyProviderUrl !== '' && (
        <div className="field-row">
          <div className="field-label">Provider token</div>
          <div className="secret-input">
            <input
              key={stream.keyProviderTokenHint ?? 'none'}
              className="input"
              type="password"
              autoComplete="new-password"
              spellCheck={false}
              placeholder={stream.keyProviderTokenHint ? `Set (${stream.keyProviderTokenHint})` : 'None'}
              aria-label="Provider token"
              data-testid="stream-key-provider-token"
              onBlur={(e) => {
                const value = e.target.value.trim();
                if (value !== '') void update({ name: stream.name, keyProviderToken: value });
              }}
            />
            {stream.keyProviderTokenHint && (
              <button type="button" className="button ghost small-button" data-testid="stream-key-provider-token-remove" onClick={() => void update({ name: stream.name, keyProviderToken: '' })}>
                Remove
              </button>
            )}
          </div>
          <span className="field-hint">
            Sent to this stream&apos;s key service only (Authorization: Bearer), stored encrypted, shown only as its last 4 characters. A new key service needs its token again.
          </span>
        </div>
      )}
      <div className="field-row">
        <div className="field-label">Most viewers at once</div>
        <input
          className="input input-number"
          type="number"
          min={0}
          aria-label="Most viewers at once"
          data-testid="stream-max-viewers"
          defaultValue={stream.maxViewers}
          onBlur={(e) => {
            const value = Math.max(0, Math.floor(Number(e.target.value) || 0));
            if (value !== stream.maxViewers) void update({ name: stream.name, maxViewers: value });
          }}
        />
        <span className="field-hint">0: the studio's limit (limits.maxViewersPerStream)</span>
      </div>
      <div className="field-row">
        <div className="field-label">Viewers share segments (P2P)</div>
        <select
          className="input"
          aria-label="Viewers share segments (P2P)"
          data-testid="stream-p2p"
          value={stream.p2p.mode}
          onChange={(e) => void update({ name: stream.name, p2p: { mode: e.target.value as 'auto' | 'on' | 'off' } })}
        >
          <option value="auto">Public streams (default)</option>
          <option value="on">On</option>
          <option value="off">Off</option>
        </select>
        <span className="field-hint" data-testid="stream-p2p-explain">{p2pHint(stream)}</span>
      </div>
      <div className="inline-buttons">
        <button className="button small-button" data-testid="jwt-publish" onClick={() => void issue('publish')}>Publish JWT (1 hour)</button>
        <button className="button small-button" data-testid="jwt-read" onClick={() => void issue('read')}>Viewer JWT (1 day)</button>
      </div>
      {token && (
        <div className="jwt-made" data-testid="jwt-made">
          <p className="field-hint">
            {token.action === 'publish'
              ? `RTMP: the key ${stream.name}?jwt=…; SRT: streamid=publish:${stream.name}?jwt=…; WHIP: the Bearer token.`
              : 'Add ?jwt=… to the playlist, manifest or WHEP URL (it reaches every segment).'}
          </p>
          <CopyField value={token.value} secret />
        </div>
      )}
    </Card>
  );
}
