import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { corkForTurn } from './cork.js';

describe('corkForTurn', () => {
  /** A real Writable that records each call down to the "system": one entry per write or writev. */
  const recorder = (): { stream: Writable; calls: string[][] } => {
    const calls: string[][] = [];
    const stream = new Writable({
      writev(chunks, done) {
        calls.push(chunks.map((c) => String(c.chunk)));
        done();
      },
      write(chunk, _encoding, done) {
        calls.push([String(chunk)]);
        done();
      },
    });
    return { stream, calls };
  };

  it('holds what is written to a socket in this turn and lets it go in one write at the next, in order', async () => {
    const a = recorder();
    const b = recorder();
    for (const m of ['1', '2', '3']) {
      corkForTurn(a.stream);
      a.stream.write(m);
    }
    corkForTurn(b.stream);
    b.stream.write('x');
    expect(a.calls).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(a.calls).toEqual([['1', '2', '3']]);
    expect(b.calls).toEqual([['x']]);
    // The next turn starts uncorked: nothing is held for a socket nobody writes to.
    a.stream.write('4');
    expect(a.calls).toEqual([['1', '2', '3'], ['4']]);
  });
});
