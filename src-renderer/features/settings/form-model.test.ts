import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, listConfigFields } from '../../../src-shared/config.js';
import { changedValues, errorsByPath, fromRaw, labelOf, sectionsOf, toNestedPatch, toRaw, validateEdits } from './form-model.js';

const fields = listConfigFields();
const config = structuredClone(CONFIG_DEFAULTS);

describe('raw values', () => {
  it('round-trips each type', () => {
    expect(toRaw({ type: 'integer' }, 7070)).toBe('7070');
    expect(toRaw({ type: 'boolean' }, true)).toBe(true);
    expect(fromRaw({ type: 'integer' }, '8080')).toEqual({ ok: true, value: 8080 });
    expect(fromRaw({ type: 'number' }, '')).toEqual({ ok: false, message: 'required' });
    expect(fromRaw({ type: 'integer' }, 'abc')).toEqual({ ok: false, message: 'must be a number' });
    expect(fromRaw({ type: 'enum' }, 'debug')).toEqual({ ok: true, value: 'debug' });
  });
});

describe('changes', () => {
  it('keeps only edited fields whose value differs, nested for config.update', () => {
    const edits = { 'http.port': '8080', 'studio.name': 'Streams Studio', 'log.level': 'debug', 'http.allowInsecureRemote': false };
    const changes = changedValues(fields, config, edits);
    expect(changes).toEqual({ 'http.port': 8080, 'log.level': 'debug' });
    expect(toNestedPatch(changes)).toEqual({ http: { port: 8080 }, log: { level: 'debug' } });
  });
});

describe('validateEdits', () => {
  it('reports schema errors under the edited field only', () => {
    expect(validateEdits(fields, config, { 'http.port': '70000', 'studio.name': '  ' })).toEqual({
      'http.port': 'must be between 1 and 65535',
      'studio.name': 'must not be empty',
    });
    expect(validateEdits(fields, config, { 'http.port': '80.5' })).toEqual({ 'http.port': 'must be a whole number' });
    expect(validateEdits(fields, config, { 'http.port': 'x' })).toEqual({ 'http.port': 'must be a number' });
    expect(validateEdits(fields, config, { 'http.port': '8080' })).toEqual({});
  });

  it('takes a secret the host shows as its hint: untouched or back to the hint is no edit, a new one is checked, removed is valid', () => {
    const shown = structuredClone(CONFIG_DEFAULTS);
    shown.live.keyProviderToken = '…9c3b';
    expect(validateEdits(fields, shown, { 'http.port': '8080' })).toEqual({});
    expect(validateEdits(fields, shown, { 'live.keyProviderToken': '…9c3b' })).toEqual({});
    expect(changedValues(fields, shown, { 'live.keyProviderToken': '…9c3b' })).toEqual({});
    expect(validateEdits(fields, shown, { 'live.keyProviderToken': 'two words' })).toEqual({ 'live.keyProviderToken': expect.stringContaining('visible ASCII') });
    expect(validateEdits(fields, shown, { 'live.keyProviderToken': 'new-token-1' })).toEqual({});
    expect(changedValues(fields, shown, { 'live.keyProviderToken': 'new-token-1' })).toEqual({ 'live.keyProviderToken': 'new-token-1' });
    expect(validateEdits(fields, shown, { 'live.keyProviderToken': '' })).toEqual({});
    expect(changedValues(fields, shown, { 'live.keyProviderToken': '' })).toEqual({ 'live.keyProviderToken': '' });
  });

  it('maps server issues to shown fields', () => {
    expect(errorsByPath([{ path: 'http.port', message: 'in use' }, { path: 'nope', message: 'x' }], fields)).toEqual({ 'http.port': 'in use' });
  });
});

describe('labels', () => {
  it('humanizes keys and groups sections', () => {
    expect(labelOf('ffmpeg.probeTimeoutMs')).toBe('Probe timeout (ms)');
    expect(labelOf('http.sessionTtlHours')).toBe('Session TTL hours');
    expect(sectionsOf(fields).map((s) => s.id)).toEqual(['studio', 'http', 'rtmp', 'srt', 'live', 'recording', 'library', 'auth', 'limits', 'audit', 'backup', 'tls', 'data', 'mqtt', 'bridges', 'log', 'system', 'ffmpeg', 'obs', 'webrtc', 'guests', 'remote', 'scaling']);
    expect(labelOf('remote.bitrateKbps')).toBe('Bitrate (kb/s)');
    expect(labelOf('scaling.sshKeyFile')).toBe('SSH key file');
    expect(labelOf('scaling.edgeTargetMbps')).toBe('Edge target (Mbit/s)');
    expect(sectionsOf(fields).find((s) => s.id === 'scaling')?.title).toBe('Autoscaling');
  });
});
