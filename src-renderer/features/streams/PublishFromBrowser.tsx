import { useEffect, useRef, useState } from 'react';
import { Card } from '../../ui/Card.js';
import { endpointOf, publishWhip, type WebRtcSession } from '../../studio/output/webrtc-client.js';

type Source = 'camera' | 'screen';

async function capture(source: Source): Promise<MediaStream> {
  if (source === 'screen') return navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 30 }, audio: true });
  return navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720, frameRate: 30 }, audio: true });
}

/**
 * Quick co-hosting: publishes this browser's camera or screen to the stream over WHIP. The signed-in
 * studio page needs no stream key. Stopping (or leaving the page) ends the publish at once.
 */
export function PublishFromBrowser({ hlsUrl, live }: { hlsUrl: string | undefined; live: boolean }) {
  const [state, setState] = useState<'idle' | 'starting' | 'publishing'>('idle');
  const [error, setError] = useState<string | null>(null);
  const session = useRef<{ whip: WebRtcSession; media: MediaStream } | null>(null);
  const preview = useRef<HTMLVideoElement>(null);

  const stop = () => {
    session.current?.whip.close();
    session.current?.media.getTracks().forEach((t) => t.stop());
    session.current = null;
    setState('idle');
  };
  useEffect(() => stop, []);
  // The preview element exists only once publishing: attach the captured media then.
  useEffect(() => {
    if (state === 'publishing' && preview.current && session.current) preview.current.srcObject = session.current.media;
  }, [state]);

  const start = async (source: Source) => {
    if (!hlsUrl) return;
    setError(null);
    setState('starting');
    let media: MediaStream | null = null;
    try {
      media = await capture(source);
      const whip = await publishWhip(endpointOf(hlsUrl, 'whip'), media);
      session.current = { whip, media };
      whip.pc.addEventListener('connectionstatechange', () => {
        if (whip.pc.connectionState === 'failed') {
          setError('the connection to the host failed');
          stop();
        }
      });
      media.getVideoTracks()[0]?.addEventListener('ended', stop);
      setState('publishing');
    } catch (err) {
      media?.getTracks().forEach((t) => t.stop());
      setError(err instanceof Error ? err.message : String(err));
      setState('idle');
    }
  };

  return (
    <Card title="Publish from this browser" testId="publish-from-browser">
      {state === 'publishing' ? (
        <div className="publish-browser">
          <video ref={preview} className="publish-preview" muted autoPlay playsInline data-testid="publish-preview" />
          <button className="button danger" data-testid="publish-stop" onClick={stop}>Stop publishing</button>
        </div>
      ) : (
        <div className="publish-browser">
          <p className="muted small">Send your camera or a screen to this stream over WebRTC (WHIP), e.g. to co-host.</p>
          <div className="publish-buttons">
            <button className="button" data-testid="publish-camera" disabled={!hlsUrl || live || state === 'starting'} onClick={() => void start('camera')}>Camera</button>
            <button className="button" data-testid="publish-screen" disabled={!hlsUrl || live || state === 'starting'} onClick={() => void start('screen')}>Screen</button>
          </div>
          {live && <p className="muted small">The stream already has a publisher.</p>}
        </div>
      )}
      {error && <p className="field-error" data-testid="publish-error">{error}</p>}
    </Card>
  );
}
