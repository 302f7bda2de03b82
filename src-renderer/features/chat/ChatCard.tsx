import { useEffect, useRef, useState } from 'react';
import type { ChatMessage } from '../../../src-shared/contract/index.js';
import { Card } from '../../ui/Card.js';
import './chat.css';
import { ChatSettingsForm } from './ChatSettingsForm.js';
import { useRoomChat } from './useRoomChat.js';

const TIME_OUT_SEC = 300;
const clock = (at: number): string => new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

function Line({ line, onDelete, onTimeOut, onBan }: { line: ChatMessage; onDelete(): void; onTimeOut(): void; onBan(): void }) {
  const viewer = line.viewerId.startsWith('cv_');
  return (
    <li className={`chat-line${line.deleted ? ' is-deleted' : ''}`} data-testid="studio-chat-line" data-viewer={line.viewerId} data-deleted={line.deleted ? 'yes' : 'no'}>
      <span className="chat-time">{clock(line.at)}</span>
      <b className={line.signedIn ? 'chat-studio' : ''}>{line.displayName}</b> <span className="chat-text">{line.text}</span>
      {!line.deleted && (
        <span className="chat-tools">
          <button type="button" className="icon-button" title="Delete this line" onClick={onDelete}>Delete</button>
          {viewer && <button type="button" className="icon-button" title="No messages from this viewer for 5 minutes" onClick={onTimeOut}>Time out</button>}
          {viewer && <button type="button" className="icon-button danger-text" title="Ban this viewer from the chat" onClick={onBan}>Ban</button>}
        </span>
      )}
    </li>
  );
}

/** The stream's chat beside the preview: lines live, the studio's own messages, moderation and settings. */
export function ChatCard({ name }: { name: string }) {
  const room = `stream:${name}`;
  const chat = useRoomChat(room);
  const [text, setText] = useState('');
  const [panel, setPanel] = useState<'none' | 'settings' | 'bans'>('none');
  const list = useRef<HTMLOListElement>(null);

  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [chat.lines.length]);

  const toggle = (which: 'settings' | 'bans') => setPanel((now) => (now === which ? 'none' : which));
  const notes = chat.settings ? [chat.settings.slowModeSec > 0 ? `slow ${chat.settings.slowModeSec} s` : '', chat.settings.anonymous ? '' : 'signed-in only'].filter(Boolean).join(' · ') : '';
  return (
    <Card
      title={<>Chat <span className="muted small">{notes}</span></>}
      testId="studio-chat"
      className="chat-card"
      actions={
        <>
          <button type="button" className="button small-button" aria-pressed={panel === 'bans'} onClick={() => toggle('bans')} data-testid="chat-bans-toggle">
            Bans {chat.bans.length > 0 ? chat.bans.length : ''}
          </button>
          <button type="button" className="button small-button" aria-pressed={panel === 'settings'} onClick={() => toggle('settings')} data-testid="chat-settings-toggle">Settings</button>
          <button type="button" className="button small-button" onClick={() => void chat.exportJson()} data-testid="chat-export">Export</button>
        </>
      }
    >
      {panel === 'settings' && chat.settings && <ChatSettingsForm settings={chat.settings} onSave={chat.saveSettings} />}
      {panel === 'bans' && (
        <ul className="chat-bans" data-testid="chat-bans">
          {chat.bans.length === 0 && <li className="muted small">Nobody is banned or timed out.</li>}
          {chat.bans.map((ban) => (
            <li key={ban.viewerId} data-testid="chat-ban">
              <b>{ban.displayName ?? ban.viewerId}</b>
              <span className="muted small">{ban.until ? `until ${clock(ban.until)}` : 'banned'}{ban.reason ? ` · ${ban.reason}` : ''}</span>
              <button type="button" className="button small-button" onClick={() => void chat.unban(ban.viewerId)}>Unban</button>
            </li>
          ))}
        </ul>
      )}
      <ol className="chat-lines" ref={list} data-testid="studio-chat-lines">
        {chat.lines.length === 0 && <li className="muted small">No messages yet. Viewers chat on the player page.</li>}
        {chat.lines.map((line) => (
          <Line
            key={line.id}
            line={line}
            onDelete={() => void chat.remove(line.id)}
            onTimeOut={() => void chat.ban(line.viewerId, TIME_OUT_SEC)}
            onBan={() => void chat.ban(line.viewerId)}
          />
        ))}
      </ol>
      <form
        className="chat-compose"
        onSubmit={(e) => {
          e.preventDefault();
          if (text.trim()) void chat.send(text.trim()).then((sent) => sent && setText(''));
        }}
      >
        <input className="input" value={text} maxLength={2000} placeholder="Message as the studio" aria-label="Message" onChange={(e) => setText(e.target.value)} data-testid="studio-chat-input" />
        <button type="submit" className="button primary" disabled={!text.trim()}>Send</button>
      </form>
    </Card>
  );
}
