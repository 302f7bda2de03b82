import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { writeFileAtomicSync } from '../core/atomic-file.js';

/**
 * The CAs an ffmpeg relay trusts for rtmps://, the same as the in-process push (tls.connect): Node's
 * bundled roots plus the PEM file named by NODE_EXTRA_CA_CERTS, which is how an operator trusts a
 * private CA. ffmpeg gets them as one file (-ca_file): the npm-shipped build cannot find the system's.
 */
export function caBundle(env: NodeJS.ProcessEnv = process.env): { pem: string; extra: string | null; problem: string | null } {
  const extraFile = env.NODE_EXTRA_CA_CERTS;
  let extra: string | null = null;
  let problem: string | null = null;
  if (extraFile) {
    try {
      extra = fs.readFileSync(extraFile, 'utf8');
      if (!extra.includes('-----BEGIN CERTIFICATE-----')) {
        problem = `NODE_EXTRA_CA_CERTS (${extraFile}) holds no PEM certificate`;
        extra = null;
      }
    } catch (error) {
      problem = `NODE_EXTRA_CA_CERTS (${extraFile}) cannot be read: ${(error as Error).message}`;
    }
  }
  const pem = [...tls.rootCertificates, ...(extra ? [extra.trim()] : [])].join('\n') + '\n';
  return { pem, extra: extraFile ?? null, problem };
}

/** Writes the bundle to `file` (0644, replaced atomically) and returns the path. */
export function writeCaBundle(file: string, pem: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomicSync(file, pem, { mode: 0o644 });
  return file;
}
