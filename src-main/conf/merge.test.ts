import { describe, expect, it } from 'vitest';
import { deepMerge, isPlainObject, leafPaths, setAtPath, type Plain } from './merge.js';

describe('isPlainObject', () => {
  it('is true for objects only, not arrays or null', () => {
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject({ a: 1 })).toBe(true);
    expect(isPlainObject([])).toBe(false);
    expect(isPlainObject(null)).toBe(false);
    expect(isPlainObject(undefined)).toBe(false);
    expect(isPlainObject('x')).toBe(false);
    expect(isPlainObject(1)).toBe(false);
  });
});

describe('deepMerge', () => {
  it('merges nested objects, the patch winning', () => {
    const base = { http: { port: 1, bind: 'a' }, log: { level: 'info' } };
    expect(deepMerge(base, { http: { port: 2 } })).toEqual({ http: { port: 2, bind: 'a' }, log: { level: 'info' } });
  });

  it('replaces arrays and scalars, and objects by scalars and back', () => {
    expect(deepMerge({ a: [1, 2, 3] }, { a: [4] })).toEqual({ a: [4] });
    expect(deepMerge({ a: { b: 1 } }, { a: 5 })).toEqual({ a: 5 });
    expect(deepMerge({ a: 5 }, { a: { b: 1 } })).toEqual({ a: { b: 1 } });
    expect(deepMerge({ a: { b: 1 } }, { a: null })).toEqual({ a: null });
    expect(deepMerge({ a: { b: 1 } }, { a: [1] })).toEqual({ a: [1] });
  });

  it('adds new keys and keeps an explicit undefined', () => {
    const out = deepMerge({ a: 1 }, { b: { c: 2 }, d: undefined });
    expect(out).toEqual({ a: 1, b: { c: 2 } });
    expect(Object.keys(out)).toEqual(['a', 'b', 'd']);
  });

  it('is pure: neither input is changed, and the result shares no merged object with the base', () => {
    const base: Plain = { http: { port: 1 }, list: [1] };
    const patch: Plain = { http: { bind: 'x' } };
    const baseCopy = structuredClone(base);
    const patchCopy = structuredClone(patch);
    const out = deepMerge(base, patch);
    expect(base).toEqual(baseCopy);
    expect(patch).toEqual(patchCopy);
    expect(out.http).not.toBe(base.http);
    (out.http as Plain).port = 99;
    expect((base.http as Plain).port).toBe(1);
  });

  it('does not pollute Object.prototype through a __proto__ key of parsed JSON', () => {
    const patch = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Plain;
    const out = deepMerge({}, patch);
    expect(out.a).toBe(1);
    expect(({} as Plain).polluted).toBeUndefined();
  });
});

describe('leafPaths', () => {
  it('lists dotted paths of every leaf in order', () => {
    expect(leafPaths({ a: { b: 1, c: { d: 2 } }, e: 3 })).toEqual(['a.b', 'a.c.d', 'e']);
  });

  it('treats arrays, null and undefined as leaves and skips empty objects', () => {
    expect(leafPaths({ a: [1, 2], b: null, c: undefined, d: {} })).toEqual(['a', 'b', 'c']);
  });

  it('applies a prefix', () => {
    expect(leafPaths({ port: 1 }, 'http')).toEqual(['http.port']);
  });

  it('is empty for an empty object', () => {
    expect(leafPaths({})).toEqual([]);
  });
});

describe('setAtPath', () => {
  it('creates missing parents', () => {
    const obj: Plain = {};
    setAtPath(obj, 'a.b.c', 1);
    expect(obj).toEqual({ a: { b: { c: 1 } } });
  });

  it('keeps siblings and replaces a scalar parent by an object', () => {
    const obj: Plain = { a: { x: 1 }, b: 5 };
    setAtPath(obj, 'a.y', 2);
    setAtPath(obj, 'b.c', 3);
    setAtPath(obj, 'top', 'v');
    expect(obj).toEqual({ a: { x: 1, y: 2 }, b: { c: 3 }, top: 'v' });
  });
});
