/**
 * Pure parts of provisioning: where things go on the edge server (or a runner's machine), what the OS
 * is, which packages are missing, and the files we write there (environment file, unit, supervisor script).
 */

/** What a provisioned machine runs: `streams edge` or `streams runner`. */
export type NodeRole = 'edge' | 'runner';

export const EDGE_PACKAGES = ['nginx', 'libnginx-mod-http-js', 'libnginx-mod-http-cache-purge'] as const;
/** A runner's machine: ffmpeg (its ffprobe comes with it) from the OS. */
export const RUNNER_PACKAGES = ['ffmpeg'] as const;
export const ROLE_PACKAGES: Record<NodeRole, readonly string[]> = { edge: EDGE_PACKAGES, runner: RUNNER_PACKAGES };
export const NODE_PACKAGE = 'nodejs';
export const MIN_NODE_MAJOR = 20;

export interface EdgeLayout {
  installDir: string;
  confDir: string;
  dataDir: string;
  unitFile: string;
  bundle: string;
  envFile: string;
  supervisor: string;
  supervisorPid: string;
  /** Packages this provisioner installed (removed again by decommission). */
  installedList: string;
}

/** Paths on the edge server; `root` prefixes all of them (empty for a real install). */
export function edgeLayout(root = ''): EdgeLayout {
  return roleLayout('edge', root);
}

/** Paths of a provisioned `streams-<role>` (edge or runner); `root` prefixes all of them. */
export function roleLayout(role: NodeRole, root = ''): EdgeLayout {
  const r = root.replace(/\/$/, '');
  const name = `streams-${role}`;
  const installDir = `${r}/opt/${name}`;
  const confDir = `${r}/etc/${name}`;
  const dataDir = `${r}/var/lib/${name}`;
  return {
    installDir,
    confDir,
    dataDir,
    unitFile: `${r}/etc/systemd/system/${name}.service`,
    bundle: `${installDir}/${name}.mjs`,
    envFile: `${confDir}/env`,
    supervisor: `${installDir}/supervise.sh`,
    supervisorPid: `${dataDir}/supervisor.pid`,
    installedList: `${confDir}/installed-packages`,
  };
}

/** POSIX shell single quotes. */
export function sh(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface OsRelease {
  id: string;
  idLike: string[];
  versionId: string;
  prettyName: string;
}

export function parseOsRelease(text: string): OsRelease {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) fields[match[1]!] = match[2]!.replace(/^(["'])(.*)\1$/, '$2');
  }
  return {
    id: (fields.ID ?? '').toLowerCase(),
    idLike: (fields.ID_LIKE ?? '').toLowerCase().split(/\s+/).filter(Boolean),
    versionId: fields.VERSION_ID ?? '',
    prettyName: fields.PRETTY_NAME ?? fields.ID ?? 'unknown',
  };
}

export function isSupportedOs(os: OsRelease): boolean {
  return ['debian', 'ubuntu'].includes(os.id) || os.idLike.includes('debian') || os.idLike.includes('ubuntu');
}

/** `dpkg-query -W -f='${Package} ${Status}\n' ...` output -> the wanted packages not installed. */
export function missingPackages(dpkgOutput: string, wanted: readonly string[]): string[] {
  const installed = new Set(
    dpkgOutput
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((parts) => parts.length >= 4 && parts.slice(1).join(' ') === 'install ok installed')
      .map((parts) => parts[0]!.split(':')[0]!),
  );
  return wanted.filter((p) => !installed.has(p));
}

/** `node --version` output -> whether it is new enough for the agent. */
export function nodeIsRecent(versionOutput: string, minMajor = MIN_NODE_MAJOR): boolean {
  const match = /^v(\d+)\./.exec(versionOutput.trim());
  return match !== null && Number(match[1]) >= minMajor;
}

export interface EdgeSettings {
  origin: string;
  token: string;
  port: number;
  region: string;
  publicUrl: string;
  cacheSize: string;
}

/** How viewers reach an edge unless told: its SSH host (bracketed when IPv6) and HTTP port. */
export function defaultPublicUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

const envLine =
  (prefix: string) =>
  (name: string, value: string): string => {
    if (/[\n\r'"\\$`]/.test(value)) throw new Error(`${name}: quotes, backslashes, $ and line breaks are not allowed`);
    return `${prefix}${name}=${value}`;
  };

export interface RunnerSettings {
  origin: string;
  token: string;
  name: string;
  slots: number;
}

/** A provisioned runner's environment file (0600: it holds the token). */
export function runnerEnvFileText(settings: RunnerSettings, layout: EdgeLayout): string {
  const line = envLine('STREAMS_RUNNER_');
  return `${[line('ORIGIN', settings.origin), line('TOKEN', settings.token), line('NAME', settings.name), line('SLOTS', String(settings.slots)), line('DIR', layout.dataDir)].join('\n')}\n`;
}

/** The agent's environment file (0600: it holds the token). */
export function envFileText(settings: EdgeSettings, layout: EdgeLayout): string {
  const line = envLine('STREAMS_EDGE_');
  return `${[
    line('ORIGIN', settings.origin),
    line('TOKEN', settings.token),
    line('PORT', String(settings.port)),
    line('REGION', settings.region),
    line('PUBLIC_URL', settings.publicUrl),
    line('CACHE_SIZE', settings.cacheSize),
    line('DIR', layout.dataDir),
  ].join('\n')}\n`;
}

/** The systemd unit from its template in resources/edge. */
export function unitFileText(template: string, layout: EdgeLayout, nodePath: string): string {
  return template
    .replaceAll('@CONF_DIR@', layout.confDir)
    .replaceAll('@INSTALL_DIR@', layout.installDir)
    .replaceAll('@DATA_DIR@', layout.dataDir)
    .replaceAll('@NODE@', nodePath);
}

/** Where systemd is absent: a restart loop started with setsid; stopping = SIGTERM to its process group. */
export function supervisorScript(layout: EdgeLayout, nodePath: string, role: NodeRole = 'edge'): string {
  return `#!/bin/sh
# Supervises the streams ${role} where systemd is absent: restarts it 2 s after any exit.
set -a
. ${sh(layout.envFile)}
set +a
while true; do
  ${sh(nodePath)} ${sh(layout.bundle)} ${role} &
  wait $!
  sleep 2
done
`;
}
