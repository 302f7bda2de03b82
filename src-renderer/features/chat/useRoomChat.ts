import { useCallback, useEffect, useState } from 'react';
import type { ChatBan, ChatMessage, ChatSettings } from '../../../src-shared/contract/index.js';
import { call, onEvent } from '../../api/client.js';
import { attempt } from '../../ui/toast-store.js';

/** Lines the studio keeps on screen per room. */
const KEEP = 300;


/** A room's lines (deleted ones kept, marked), bans and settings, live from the `chat.message` event. */
export function useRoomChat(room: string) {
  const [lines, setLines] = useState<ChatMessage[]>([]);
  const [bans, setBans] = useState<ChatBan[]>([]);
  const [settings, setSettings] = useState<ChatSettings | null>(null);

  const merge = useCallback((line: ChatMessage) => {
    setLines((now) => {
      const at = now.findIndex((l) => l.id === line.id);
      if (at >= 0) return now.map((l) => (l.id === line.id ? line : l));
      return [...now, line].sort((a, b) => a.seq - b.seq).slice(-KEEP);
    });
  }, []);

  const loadBans = useCallback(async () => {
    const found = await attempt(() => call('chat.bans', { room }));
    if (found) setBans(found.bans);
  }, [room]);

  useEffect(() => {
    setLines([]);
    void attempt(() => call('chat.list', { room, limit: 100 })).then((r) => r && r.messages.forEach(merge));
    void attempt(() => call('chat.settings', { room })).then((s) => s && setSettings(s));
    void loadBans();
    return onEvent('chat.message', (line) => {
      if (line.room === room) merge(line);
    });
  }, [room, merge, loadBans]);

  return {
    lines,
    bans,
    settings,
    send: async (text: string) => {
      const line = await attempt(() => call('chat.send', { room, text }));
      if (line) merge(line);
      return line !== null;
    },
    remove: async (id: string) => {
      await attempt(() => call('chat.delete', { room, id }));
    },
    ban: async (viewerId: string, seconds?: number) => {
      if (await attempt(() => call('chat.ban', { room, viewerId, ...(seconds ? { seconds, reason: 'timed out from the studio' } : {}) }))) await loadBans();
    },
    unban: async (viewerId: string) => {
      if (await attempt(() => call('chat.unban', { room, viewerId }))) await loadBans();
    },
    saveSettings: async (patch: Partial<ChatSettings>) => {
      const saved = await attempt(() => call('chat.updateSettings', { room, ...patch }));
      if (saved) setSettings(saved);
      return saved !== null;
    },
    exportJson: async () => {
      const data = await attempt(() => call('chat.export', { room }));
      if (!data) return;
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `chat-${room.replace(':', '-')}-${new Date(data.exportedAt).toISOString().slice(0, 19).replace(/[:T]/g, '-')}.json`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    },
  };
}
