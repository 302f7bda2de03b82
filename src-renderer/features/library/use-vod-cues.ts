import { useEffect, useState } from 'react';
import { parseVttCues, type VttCue } from '../../../src-shared/vod-cues.js';

/** The cues of a WebVTT file (seek previews), fetched once per URL; empty until loaded or when absent. */
export function useVttCues(url: string | null): VttCue[] {
  const [cues, setCues] = useState<VttCue[]>([]);
  useEffect(() => {
    setCues([]);
    if (!url) return;
    const controller = new AbortController();
    fetch(url, { credentials: 'same-origin', signal: controller.signal })
      .then((res) => (res.ok ? res.text() : ''))
      .then((text) => setCues(parseVttCues(text)))
      // No previews is no error worth a toast: the bar works without them.
      .catch(() => undefined);
    return () => controller.abort();
  }, [url]);
  return cues;
}

/** A signed URL's query (`?exp=&sig=`) carried to a sibling file of the same video. */
export function withQueryOf(url: string, signed: string): string {
  const query = signed.includes('?') ? signed.slice(signed.indexOf('?')) : '';
  return query && !url.includes('?') ? `${url}${query}` : url;
}
