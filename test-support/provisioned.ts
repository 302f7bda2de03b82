import fs from 'node:fs';
import { roleLayout } from '../src-main/edge/provision-plan.js';

/** Stops a runner a test provisioned under `root` (its supervisor's process group, from the pid file), if it still runs. */
export function stopProvisionedRunner(root: string, signal: NodeJS.Signals = 'SIGTERM'): void {
  const pidFile = roleLayout('runner', root).supervisorPid;
  if (!fs.existsSync(pidFile)) return;
  try {
    process.kill(-Number(fs.readFileSync(pidFile, 'utf8')), signal);
  } catch {
    // Already gone.
  }
}
