import { describe, expect, it } from 'vitest';
import type { Scene, Source } from '../../src-shared/contract/scenes.js';
import { audibleSources, reconcileSources, sceneOf } from './reconcile.js';

const src = (id: string, kind: 'camera' | 'microphone' | 'color' = 'color', color = '#000000'): Source =>
  ({ id, name: id, settings: kind === 'color' ? { kind, color } : kind === 'camera' ? { kind, deviceId: null, label: '', width: 1280, height: 720, frameRate: 30 } : { kind, deviceId: null, label: '' }, audio: {} as Source['audio'], createdAt: 0, updatedAt: 0 }) as Source;
const key = (s: Source) => JSON.stringify(s.settings);
const scene = (id: string, items: [string, boolean][]): Scene =>
  ({ id, name: id, layout: 'free', items: items.map(([sourceId, visible], i) => ({ id: `itm_${i}`, sourceId, visible })), createdAt: 0, updatedAt: 0 }) as unknown as Scene;

describe('the engine follows the show', () => {
  it('starts new sources, stops removed ones, restarts changed ones, keeps the rest', () => {
    const running = new Map([['src_a', key(src('src_a'))], ['src_b', key(src('src_b'))], ['src_gone', 'x']]);
    const plan = reconcileSources(running, [src('src_a'), src('src_b', 'color', '#ffffff'), src('src_new')], key);
    expect(plan.stop.sort()).toEqual(['src_b', 'src_gone']);
    expect(plan.start.map((s) => s.id)).toEqual(['src_b', 'src_new']);
  });
  it('finds a scene or falls back to the first', () => {
    const state = { scenes: [scene('scn_1', []), scene('scn_2', [])] };
    expect(sceneOf(state, 'scn_2')?.id).toBe('scn_2');
    expect(sceneOf(state, 'scn_x')?.id).toBe('scn_1');
    expect(sceneOf({ scenes: [] }, null)).toBeNull();
  });
  it('hears microphones always, other sources only when visible in a program scene', () => {
    const sources = [src('mic', 'microphone'), src('cam1', 'camera'), src('cam2', 'camera'), src('cam3', 'camera')];
    const heard = audibleSources({ sources }, [scene('p', [['cam1', true], ['cam2', false]]), null]);
    expect([...heard].sort()).toEqual(['cam1', 'mic']);
  });
});
