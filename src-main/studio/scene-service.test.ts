import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sceneItemSchema, type EventPayload, type SceneItem } from '../../src-shared/contract/index.js';
import { EventBus } from '../core/bus.js';
import type { StudioError } from '../core/errors.js';
import { openDatabase, type Db } from '../store/db.js';
import { SceneStore } from '../store/scenes.js';
import { SceneService } from './scene-service.js';

const color = { kind: 'color' as const, color: '#112233' };
const item = (sourceId: string, extra: Partial<SceneItem> = {}) => ({ ...sceneItemSchema.omit({ id: true }).parse({ sourceId, x: 0, y: 0, width: 100, height: 100 }), ...extra });

/** The error a call throws (its code and message). */
function refusal(run: () => unknown): StudioError {
  try {
    run();
  } catch (error) {
    return error as StudioError;
  }
  throw new Error('expected a refusal');
}

describe('the studio\'s show, kept by the host (real SQLite)', () => {
  let dir: string;
  let db: Db;
  let bus: EventBus;
  let events: EventPayload<'scenes.changed'>[];
  let service: SceneService;
  const open = () => {
    db = openDatabase(path.join(dir, 'studio.db'));
    service = new SceneService({ store: new SceneStore(db), bus });
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-scenes-'));
    bus = new EventBus();
    events = [];
    bus.on('scenes.changed', (e) => events.push(e));
    open();
  });
  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts with one empty scene on program and preview', () => {
    const s = service.list();
    expect(s.scenes.map((x) => x.name)).toEqual(['Scene 1']);
    expect([s.studio.programSceneId, s.studio.previewSceneId]).toEqual([s.scenes[0]!.id, s.scenes[0]!.id]);
    expect(s.studio).toMatchObject({ width: 1280, height: 720, fps: 30, live: false, transition: { kind: 'fade', durationMs: 300 } });
  });

  it('adds sources and scenes, raises the revision and tells every client the new state', () => {
    const before = service.list().revision;
    const source = service.addSource({ name: 'Backdrop', settings: color });
    expect(source.id).toMatch(/^src_[a-z0-9]{10}$/);
    expect(source.audio.gainDb).toBe(0);
    const scene = service.createScene({ name: 'Interview', layout: 'grid', items: [item(source.id)] });
    expect(scene.items[0]!.id).toMatch(/^itm_[a-z0-9]{10}$/);
    expect(service.list().revision).toBe(before + 2);
    expect(events.map((e) => [e.what, e.id])).toEqual([['source', source.id], ['scene', scene.id]]);
    expect(events[1]!.state.scenes.map((s) => s.name)).toEqual(['Scene 1', 'Interview']);
  });

  it('survives a restart', () => {
    const source = service.addSource({ name: 'Backdrop', settings: color });
    const scene = service.createScene({ name: 'Two', items: [item(source.id)] });
    service.updateStudio({ programSceneId: scene.id, stream: 'show' });
    const before = service.list();
    db.close();
    open();
    expect(service.list()).toEqual(before);
  });

  it('refuses items of sources that do not exist, and changes nothing', () => {
    const before = service.list();
    const e = refusal(() => service.createScene({ name: 'Bad', items: [item('src_nonenonene')] }));
    expect([e.code, e.message]).toEqual(['VALIDATION_FAILED', 'items.0.sourceId: no source src_nonenonene']);
    expect(service.list()).toBe(before);
    expect(refusal(() => service.updateScene({ id: 'scn_nonenonene', name: 'x' })).code).toBe('NOT_FOUND');
  });

  it('a source keeps its kind; its mixer strip merges', () => {
    const source = service.addSource({ name: 'Mic', settings: { kind: 'microphone', deviceId: null, label: '' } });
    expect(refusal(() => service.updateSource({ id: source.id, settings: color })).code).toBe('VALIDATION_FAILED');
    const updated = service.updateSource({ id: source.id, audio: { gainDb: -6 } });
    expect([updated.audio.gainDb, updated.audio.muted]).toEqual([-6, false]);
  });

  it("a guest muted or hidden by the producer: their strip is muted and their items hidden in every scene, others untouched", () => {
    const guest = service.addSource({ name: 'Ada', settings: { kind: 'guest', guestId: 'gst_abcdefghijkl' } });
    const other = service.addSource({ name: 'Bo', settings: { kind: 'guest', guestId: 'gst_000000000000' } });
    const scene = service.createScene({ name: 'Talk', layout: 'grid', items: [item(guest.id), item(other.id)] });
    const before = service.list().revision;
    service.applyGuest('gst_abcdefghijkl', { muted: true, hidden: true });
    const state = service.list();
    expect(state.revision).toBe(before + 1);
    expect(state.sources.map((s) => [s.name, s.audio.muted])).toEqual([['Ada', true], ['Bo', false]]);
    expect(state.scenes.find((s) => s.id === scene.id)!.items.map((i) => i.visible)).toEqual([false, true]);
    service.applyGuest('gst_abcdefghijkl', { hidden: false });
    expect(service.list().sources[0]!.audio.muted).toBe(true);
    expect(service.list().scenes.find((s) => s.id === scene.id)!.items[0]!.visible).toBe(true);
    // A guest the show has no source of changes nothing.
    service.applyGuest('gst_zzzzzzzzzzzz', { muted: true });
    expect(service.list().revision).toBe(before + 2);
  });

  it('removing a source takes it out of every scene', () => {
    const a = service.addSource({ name: 'A', settings: color });
    const b = service.addSource({ name: 'B', settings: color });
    const s1 = service.createScene({ name: 'One', items: [item(a.id), item(b.id)] });
    service.createScene({ name: 'Two', items: [item(a.id)] });
    service.removeSource(a.id);
    const state = service.list();
    expect(state.sources.map((s) => s.name)).toEqual(['B']);
    expect(state.scenes.find((s) => s.id === s1.id)!.items.map((i) => i.sourceId)).toEqual([b.id]);
    expect(state.scenes.every((s) => s.items.every((i) => i.sourceId !== a.id))).toBe(true);
  });

  it('reorders scenes; deleting the scene on program moves program to another; the last scene stays', () => {
    const first = service.list().scenes[0]!;
    const two = service.createScene({ name: 'Two' });
    service.updateScene({ id: two.id, position: 0 });
    expect(service.list().scenes.map((s) => s.name)).toEqual(['Two', 'Scene 1']);
    service.deleteScene(first.id);
    expect([service.list().studio.programSceneId, service.list().studio.previewSceneId]).toEqual([two.id, two.id]);
    expect(refusal(() => service.deleteScene(two.id)).code).toBe('CONFLICT');
    expect(refusal(() => service.updateStudio({ previewSceneId: 'scn_nonenonene' })).code).toBe('NOT_FOUND');
  });

  it('exports a file that imports back to the same show', () => {
    const a = service.addSource({ name: 'A', settings: color });
    service.createScene({ name: 'Two', items: [item(a.id)] });
    const file = JSON.parse(JSON.stringify(service.exportCollection()));
    const before = service.list();
    service.removeSource(a.id);
    const after = service.importCollection(file);
    expect(after.sources).toEqual(before.sources);
    expect(after.scenes).toEqual(before.scenes);
    expect(after.revision).toBeGreaterThan(before.revision);
    expect(events.at(-1)!.what).toBe('collection');
  });

  it.each([
    ['not an object', 'just text', /a scene file is a JSON object/],
    ['another format', { format: 'obs', version: 1 }, /Invalid scene file: format/],
    ['an item of a missing source', 'missing-source', /scenes\.1\.items\.0\.sourceId: no source/],
    ['a duplicate source', 'duplicate', /source src_\w+ is there twice/],
    ['a program scene not in the file', 'program', /studio\.programSceneId names no scene/],
  ])('a bad file (%s) is refused with SCENE_FILE_INVALID and changes nothing', (_what, raw, words) => {
    const a = service.addSource({ name: 'A', settings: color });
    service.createScene({ name: 'Two', items: [item(a.id)] });
    const good = JSON.parse(JSON.stringify(service.exportCollection()));
    const file =
      raw === 'missing-source' ? { ...good, sources: [] }
      : raw === 'duplicate' ? { ...good, sources: [...good.sources, ...good.sources] }
      : raw === 'program' ? { ...good, studio: { ...good.studio, programSceneId: 'scn_zzzzzzzzzz' } }
      : raw;
    const before = service.list();
    const count = events.length;
    const e = refusal(() => service.importCollection(file));
    expect(e.code).toBe('SCENE_FILE_INVALID');
    expect(e.message).toMatch(words);
    expect(e.message).toMatch(/nothing was changed/);
    expect(service.list()).toBe(before);
    expect(events.length).toBe(count);
    db.close();
    open();
    expect(service.list()).toEqual(before);
  });
});
