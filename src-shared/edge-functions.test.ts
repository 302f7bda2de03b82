import { describe, expect, it } from 'vitest';
import { EDGE_FUNCTION_NAME_RE, EDGE_FUNCTION_TEMPLATES, routeMatches, routeProblem, routeRegexSource } from './edge-functions.js';

describe('edge function routes', () => {
  it('* stays within a path segment, ** crosses them, the rest is literal', () => {
    expect(routeRegexSource('/live/*/index.m3u8')).toBe('^\\/live\\/[^/]*\\/index\\.m3u8$');
    expect(routeMatches('/live/**', '/live/show/s/v0/seg-1.m4s')).toBe(true);
    expect(routeMatches('/live/*/index.m3u8', '/live/show/index.m3u8')).toBe(true);
    expect(routeMatches('/live/*/index.m3u8', '/live/a/b/index.m3u8')).toBe(false);
    expect(routeMatches('/live/*/index.m3u8', '/live/showxindex.m3u8')).toBe(false);
    expect(routeMatches('/vod/**', '/live/x')).toBe(false);
  });

  it('refuses what is not a path pattern', () => {
    expect(routeProblem('/live/**')).toBeNull();
    for (const bad of ['live/**', '/live/(a|b)', '/live/***', '/live/ x', '/live/$uri', '/a"b', `/${'a'.repeat(201)}`]) expect(routeProblem(bad), bad).not.toBeNull();
  });

  it('offers the four templates, each with a valid name and route', () => {
    expect(EDGE_FUNCTION_TEMPLATES.map((t) => t.id)).toEqual(['region-redirect', 'token-check', 'ab-ladders', 'cors']);
    for (const t of EDGE_FUNCTION_TEMPLATES) {
      expect(t.name).toMatch(EDGE_FUNCTION_NAME_RE);
      expect(routeProblem(t.route)).toBeNull();
    }
  });
});
