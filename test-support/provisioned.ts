import fs from 'node:fs';
import { roleLayout, type NodeRole } from '../src-main/edge/provision-plan.js';

/** Stops a runner or an edge a test provisioned under `root` (its supervisor's process group, from the pid file), if it still runs. */
export function stopProvisioned(root: string, signal: NodeJS.Signals = 'SIGTERM', role: NodeRole = 'runner'): void {
  const pidFile = roleLayout(role, root).supervisorPid;
  if (!fs.existsSync(pidFile)) return;
  try {
    process.kill(-Number(fs.readFileSync(pidFile, 'utf8')), signal);
  } catch {
    // Already gone.
  }
}
