import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, pickAvoiding } from './net.js';

describe('freePort', () => {
  it('asks the OS again while it hands out a port promised to a listener not bound yet', async () => {
    const answers = [41287, 41287, 41290];
    let asked = 0;
    const port = await pickAvoiding(() => Promise.resolve(answers[asked++] ?? 0), [41287]);
    expect(port).toBe(41290);
    expect(asked).toBe(3);
  });

  it('never hands out an avoided port', async () => {
    const first = await freePort();
    for (let i = 0; i < 20; i++) expect(await freePort([first])).not.toBe(first);
  });

  it('returns a port that can be bound on loopback', async () => {
    const port = await freePort();
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
