import type { Scene, Source, StudioSettings, StudioState } from '../../src-shared/contract/scenes.js';
import type { Db } from './db.js';

/**
 * The studio's show in SQLite: a row per source and per scene (the scene's place in the list kept
 * apart, the rest as JSON in the contract's shape) and one row of settings with the revision. Every
 * write replaces what it names inside one transaction, so a failed change leaves the show as it was.
 */
export class SceneStore {
  constructor(private readonly db: Db) {}

  load(): StudioState | null {
    const settings = this.db.prepare('SELECT revision, body FROM studio_settings WHERE id = 1').get() as { revision: number; body: string } | undefined;
    if (!settings) return null;
    const sources = (this.db.prepare('SELECT body FROM scene_sources ORDER BY rowid').all() as { body: string }[]).map((r) => JSON.parse(r.body) as Source);
    const scenes = (this.db.prepare('SELECT body FROM scenes ORDER BY position').all() as { body: string }[]).map((r) => JSON.parse(r.body) as Scene);
    return { revision: settings.revision, studio: JSON.parse(settings.body) as StudioSettings, sources, scenes };
  }

  /** Writes the whole show (a change touches few rows, but the show is small: clarity over cleverness). */
  save(state: StudioState): void {
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO studio_settings (id, revision, body) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, body = excluded.body').run(state.revision, JSON.stringify(state.studio));
      const keepSources = new Set(state.sources.map((s) => s.id));
      for (const { id } of this.db.prepare('SELECT id FROM scene_sources').all() as { id: string }[]) if (!keepSources.has(id)) this.db.prepare('DELETE FROM scene_sources WHERE id = ?').run(id);
      const upsertSource = this.db.prepare('INSERT INTO scene_sources (id, body) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body');
      for (const s of state.sources) upsertSource.run(s.id, JSON.stringify(s));
      this.db.prepare('DELETE FROM scenes').run();
      const insertScene = this.db.prepare('INSERT INTO scenes (id, position, body) VALUES (?, ?, ?)');
      state.scenes.forEach((scene, i) => insertScene.run(scene.id, i, JSON.stringify(scene)));
    })();
  }
}
