import { useState } from 'react';
import type { ChatSettings } from '../../../src-shared/contract/index.js';

const wordsOf = (text: string): string[] => text.split(/[,\n]/).map((w) => w.trim()).filter(Boolean);

/** A room's moderation settings: slow mode, rate, links, anonymous viewers, blocked words, length. */
export function ChatSettingsForm({ settings, onSave }: { settings: ChatSettings; onSave(patch: Partial<ChatSettings>): Promise<boolean> }) {
  const [draft, setDraft] = useState(settings);
  const [words, setWords] = useState(settings.blockedWords.join(', '));
  const number = (key: 'slowModeSec' | 'perMinute' | 'maxLength') => (e: React.ChangeEvent<HTMLInputElement>) => setDraft({ ...draft, [key]: Number(e.target.value) });
  return (
    <form
      className="chat-settings"
      data-testid="chat-settings"
      onSubmit={(e) => {
        e.preventDefault();
        void onSave({ ...draft, blockedWords: wordsOf(words) });
      }}
    >
      <label>Slow mode (s, 0 = off)<input className="input input-compact" type="number" min={0} max={3600} value={draft.slowModeSec} onChange={number('slowModeSec')} data-testid="chat-slow-mode" /></label>
      <label>Messages per minute<input className="input input-compact" type="number" min={1} max={600} value={draft.perMinute} onChange={number('perMinute')} /></label>
      <label>Max length<input className="input input-compact" type="number" min={1} max={2000} value={draft.maxLength} onChange={number('maxLength')} /></label>
      <label className="chat-check"><input type="checkbox" checked={draft.links} onChange={(e) => setDraft({ ...draft, links: e.target.checked })} />Links allowed</label>
      <label className="chat-check"><input type="checkbox" checked={draft.anonymous} onChange={(e) => setDraft({ ...draft, anonymous: e.target.checked })} />Anonymous viewers may chat</label>
      <label className="chat-words">Blocked words (comma or line separated)<textarea className="input" rows={2} value={words} onChange={(e) => setWords(e.target.value)} data-testid="chat-blocked-words" /></label>
      <button type="submit" className="button primary small-button" data-testid="chat-settings-save">Save</button>
    </form>
  );
}
