import { createRequire } from 'node:module';
import readline from 'node:readline';
import type { AgentCommand } from './input-protocol.js';

/**
 * The input agent: a small process per display that injects input with @nut-tree-fork/nut-js.
 * libnut opens the X display of $DISPLAY once, for the whole process, so each captured display gets
 * its own agent started with DISPLAY set to it: input lands in that display, never in the host's own.
 * Reads one JSON command per line on stdin; writes "ready" once loaded, and one line per failure.
 */

interface NutKeyboard {
  config: { autoDelayMs: number };
  pressKey(...keys: number[]): Promise<unknown>;
  releaseKey(...keys: number[]): Promise<unknown>;
  type(text: string): Promise<unknown>;
}
interface NutMouse {
  config: { autoDelayMs: number };
  setPosition(point: unknown): Promise<unknown>;
  pressButton(button: number): Promise<unknown>;
  releaseButton(button: number): Promise<unknown>;
  scrollDown(n: number): Promise<unknown>;
  scrollUp(n: number): Promise<unknown>;
  scrollLeft(n: number): Promise<unknown>;
  scrollRight(n: number): Promise<unknown>;
}
interface Nut {
  keyboard: NutKeyboard;
  mouse: NutMouse;
  Key: Record<string, number>;
  Button: Record<string, number>;
  Point: new (x: number, y: number) => unknown;
}

// A computed specifier keeps the bundler from inlining nut-js: it loads its native addon at run time.
// Required, not imported: it is CommonJS, and the CLI bundle (bin/load-bundle.mjs) has no import().
const NUT_PACKAGE = ['@nut-tree-fork', 'nut-js'].join('/');

export async function execute(nut: Nut, command: AgentCommand): Promise<void> {
  switch (command.op) {
    case 'move':
      await nut.mouse.setPosition(new nut.Point(command.x, command.y));
      return;
    case 'button': {
      const button = nut.Button[command.button.toUpperCase()]!;
      await (command.down ? nut.mouse.pressButton(button) : nut.mouse.releaseButton(button));
      return;
    }
    case 'wheel':
      if (command.dy > 0) await nut.mouse.scrollDown(command.dy);
      else if (command.dy < 0) await nut.mouse.scrollUp(-command.dy);
      if (command.dx > 0) await nut.mouse.scrollRight(command.dx);
      else if (command.dx < 0) await nut.mouse.scrollLeft(-command.dx);
      return;
    case 'key': {
      const key = nut.Key[command.key];
      if (key === undefined) throw new Error(`unknown key ${command.key}`);
      await (command.down ? nut.keyboard.pressKey(key) : nut.keyboard.releaseKey(key));
      return;
    }
    case 'type':
      await nut.keyboard.type(command.text);
      return;
  }
}

export async function runInputAgent(): Promise<number> {
  const nut = createRequire(import.meta.url)(NUT_PACKAGE) as Nut;
  nut.mouse.config.autoDelayMs = 0;
  nut.keyboard.config.autoDelayMs = 0;
  process.stdout.write('ready\n');
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) continue;
    try {
      await execute(nut, JSON.parse(line) as AgentCommand);
    } catch (error) {
      process.stdout.write(`error ${(error as Error).message}\n`);
    }
  }
  return 0;
}
