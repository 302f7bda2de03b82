import { useEffect, useState } from 'react';
import { Icon } from './Icon.js';
import { toastError } from './toast-store.js';

/** The Clipboard API needs a secure context; plain http from another machine falls back to execCommand. */
async function writeClipboard(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('the browser refused to copy; select the text and copy it by hand');
}

export function CopyButton({ text, label = 'Copy', testId }: { text: string; label?: string; testId?: string }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 1500);
    return () => clearTimeout(timer);
  }, [copied]);
  const copy = () =>
    writeClipboard(text).then(
      () => setCopied(true),
      (err: unknown) => toastError(err),
    );
  return (
    <button type="button" className="button small-button" data-testid={testId} title="Copy to the clipboard" onClick={() => void copy()}>
      <Icon name={copied ? 'check' : 'copy'} size={14} /> {copied ? 'Copied' : label}
    </button>
  );
}

/** A value in monospace with its copy button: URLs, keys, commands. */
export function CopyField({ value, testId, copyTestId, secret }: { value: string; testId?: string; copyTestId?: string; secret?: boolean }) {
  return (
    <div className={`copy-field ${secret ? 'copy-field-secret' : ''}`}>
      <code className="copy-value" data-testid={testId}>{value}</code>
      <CopyButton text={value} testId={copyTestId} />
    </div>
  );
}
