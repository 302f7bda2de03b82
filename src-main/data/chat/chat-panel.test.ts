import { describe, expect, it } from 'vitest';
import { chatPanel, panelScript } from './chat-panel.js';

const scriptOf = (html: string): string => /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;

describe('chat panel', () => {
  it('live: a script that parses, the room and the catalogue words inlined', () => {
    const html = chatPanel({ room: 'stream:my-show' });
    const script = scriptOf(html);
    expect(() => new Function(script)).not.toThrow();
    expect(script).toContain('const room = "stream:my-show"');
    expect(script).toContain('Slow down');
    expect(html).toContain('<aside id="chat" data-state="joining"');
    expect(html).not.toContain('type="module"');
  });

  it('replay: lines carried in the page, a </script> in one cannot end the script', () => {
    const html = chatPanel({ room: 'stream:x', replay: { startPdt: 1, endPdt: 2, lines: [{ id: 'a', displayName: 'x', text: '</script><b>', programDateTime: 1, signedIn: false }] } });
    const script = scriptOf(html);
    expect(script).not.toContain('</script>');
    expect(() => new Function(script)).not.toThrow();
    expect(html).toContain('data-state="replay"');
    expect(panelScript({ room: 'stream:x', replay: { startPdt: 1, endPdt: 2, lines: [] } })).toContain('requestVideoFrameCallback');
  });
});
