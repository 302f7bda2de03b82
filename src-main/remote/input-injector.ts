import type { ChildProcess } from 'node:child_process';
import { killTree, type ChildRegistry } from '../core/children.js';
import type { Logger } from '../core/logger.js';
import type { AgentCommand } from './input-protocol.js';

/** How to start an input agent: this program with its `input-agent` command. */
export interface AgentLauncher {
  command: string;
  args: string[];
}

/**
 * Host side of the input agents: one child per X display (started on first use, with DISPLAY set to
 * it), commands written as JSON lines in order. A dead agent is started again on the next command.
 */
export class InputInjector {
  private readonly agents = new Map<string, ChildProcess>();

  constructor(private readonly deps: { children: ChildRegistry; launcher: AgentLauncher; env: NodeJS.ProcessEnv; logger: Logger }) {}

  send(display: string, commands: readonly AgentCommand[]): void {
    if (commands.length === 0) return;
    const agent = this.agentFor(display);
    agent.stdin?.write(commands.map((c) => JSON.stringify(c)).join('\n') + '\n');
  }

  /**
   * Starts the display's agent ahead of its first command (a control viewer joined): a Node process
   * takes a moment to start, which the first click would otherwise wait for.
   */
  warm(display: string): void {
    this.agentFor(display);
  }

  private agentFor(display: string): ChildProcess {
    const existing = this.agents.get(display);
    if (existing && existing.exitCode === null && existing.signalCode === null) return existing;
    const { launcher } = this.deps;
    const child = this.deps.children.spawn(launcher.command, [...launcher.args, 'input-agent'], {
      env: { ...this.deps.env, DISPLAY: display },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin?.on('error', () => undefined);
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      for (const line of text.split('\n')) if (line.startsWith('error ')) this.deps.logger.warn({ display, error: line.slice(6) }, 'input injection failed');
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (t: string) => (stderr = (stderr + t).slice(-2000)));
    child.once('exit', (code, signal) => {
      if (this.agents.get(display) === child) this.agents.delete(display);
      if (code !== 0 && signal !== 'SIGTERM') this.deps.logger.warn({ display, code, signal, stderr: stderr.slice(-400) }, 'input agent exited');
    });
    this.agents.set(display, child);
    return child;
  }

  /** Stops the agent of a display (the display is going away). */
  stop(display: string): void {
    const agent = this.agents.get(display);
    this.agents.delete(display);
    if (agent) {
      agent.stdin?.end();
      killTree(agent, 'SIGTERM');
    }
  }

  /** Stops the agents of displays not in `displays` (those went away). */
  retain(displays: ReadonlySet<string>): void {
    for (const display of [...this.agents.keys()]) if (!displays.has(display)) this.stop(display);
  }

  dispose(): void {
    this.retain(new Set());
  }
}
