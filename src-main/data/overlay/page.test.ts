import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { overlayPage, overlayParts } from './page.js';

describe('overlay page', () => {
  it('takes the known parts of ?show=, else the defaults', () => {
    expect(overlayParts('chat,score,chat,bogus')).toEqual(['chat', 'score']);
    expect(overlayParts(undefined)).toEqual(['poll', 'chat', 'score']);
    expect(overlayParts('bogus')).toEqual(['poll', 'chat', 'score']);
  });

  it('hides the parts not asked for and inlines the data SDK', () => {
    const html = overlayPage('alpha', ['score']);
    expect(html).toContain('<section id="poll" class="card" hidden');
    expect(html).toContain('<section id="score" class="card" data-empty="yes">');
    expect(html).toContain('function connectData(');
    expect(html).toContain('function backoffDelay(');
    expect(html).toContain('function overlayApply(');
  });

  it('inlines a script that compiles, each inlined function defined once', () => {
    const html = overlayPage('alpha', ['poll', 'chat', 'score', 'reactions']);
    const script = /<script type="module">([\s\S]*)<\/script>/.exec(html)![1]!;
    expect(() => new vm.Script(script)).not.toThrow();
    for (const f of ['overlayInit', 'overlayApply', 'overlayVotes', 'overlayPoll', 'overlayScore', 'overlayReactions', 'overlayChannels']) {
      expect(script.split(`function ${f}(`)).toHaveLength(2);
    }
  });
});
