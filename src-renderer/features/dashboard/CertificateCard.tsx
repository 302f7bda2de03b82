import { useEffect, useState } from 'react';
import type { CertificateInfo } from '../../../src-shared/contract/index.js';
import { call } from '../../api/client.js';
import { Card } from '../../ui/Card.js';
import { Icon } from '../../ui/Icon.js';
import { certificateState } from './certificate-model.js';

/** HTTPS and RTMPS: which certificate, for which names, until when; the CA to install when it is the host's own. */
export function CertificateCard() {
  const [info, setInfo] = useState<CertificateInfo | null>(null);
  useEffect(() => {
    // Viewers and moderators may not read it: the card then stays away.
    call('tls.info', {}).then(setInfo, () => setInfo(null));
  }, []);
  if (!info) return null;
  const state = certificateState(info);
  return (
    <Card title="Certificate" testId="certificate-card">
      {info.mode === 'off' ? (
        <p className="muted" data-testid="certificate-state">
          The studio serves plain HTTP. Set <code>tls.selfSigned</code> for a certificate of its own authority (on a LAN), or <code>http.tlsCert</code> and <code>http.tlsKey</code>.
        </p>
      ) : (
        <div className="certificate">
          <span className={`badge ${state.tone === 'ok' ? 'badge-ok' : state.tone === 'warn' ? 'badge-warn' : 'badge-bad'}`} data-testid="certificate-state">
            {state.word}
          </span>
          <span>{info.mode === 'self-ca' ? 'Issued by the studio\'s own authority' : 'From http.tlsCert'}</span>
          <span className="muted small">{info.names.join(', ')}</span>
          {info.notAfter && <span className="muted small">until {new Date(info.notAfter).toLocaleDateString()}</span>}
          {info.caUrl && (
            <a className="button small-button" href={info.caUrl} download data-testid="certificate-ca">
              <Icon name="download" size={14} /> CA certificate
            </a>
          )}
        </div>
      )}
    </Card>
  );
}
