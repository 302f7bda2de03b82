import 'reflect-metadata';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as x509 from '@peculiar/x509';

type CryptoKey = crypto.webcrypto.CryptoKey;
type CryptoKeyPair = crypto.webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(crypto.webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;
/** Browsers refuse server certificates valid for longer than 398 days. */
const LEAF_DAYS = 397;
const CA_DAYS = 3650;
const RENEW_DAYS = 30;

export interface HostCertificate {
  certFile: string;
  keyFile: string;
  caFile: string;
  /** True when this call issued a new certificate (first run, renewal, other names). */
  issued: boolean;
}

/** The names a host certificate covers: localhost, loopback, the machine name, and the configured ones. */
export function certificateNames(extra: readonly string[]): string[] {
  return [...new Set(['localhost', '127.0.0.1', '::1', os.hostname(), ...extra].map((n) => n.trim()).filter(Boolean))];
}

const pemKey = async (key: CryptoKey): Promise<string> =>
  `-----BEGIN PRIVATE KEY-----\n${Buffer.from(await crypto.webcrypto.subtle.exportKey('pkcs8', key)).toString('base64').replace(/.{64}/g, '$&\n').trimEnd()}\n-----END PRIVATE KEY-----\n`;

const importKey = (pem: string): Promise<CryptoKey> =>
  crypto.webcrypto.subtle.importKey('pkcs8', Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64'), ALG, false, ['sign']) as Promise<CryptoKey>;

function writeSecret(file: string, text: string): void {
  fs.writeFileSync(file, text, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

const serial = (): string => crypto.randomBytes(16).toString('hex').replace(/^[89a-f]/, '1');

/** The host's certificate authority in `dir` (ca.crt, ca.key), made on first use (ECDSA P-256, 10 years). */
async function authority(dir: string, studioName: string): Promise<{ cert: x509.X509Certificate; key: CryptoKey }> {
  const certFile = path.join(dir, 'ca.crt');
  const keyFile = path.join(dir, 'ca.key');
  if (fs.existsSync(certFile) && fs.existsSync(keyFile)) {
    return { cert: new x509.X509Certificate(fs.readFileSync(certFile, 'utf8')), key: await importKey(fs.readFileSync(keyFile, 'utf8')) };
  }
  const keys = (await crypto.webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${studioName.replace(/[,=+<>#;"\\]/g, ' ')} local CA, O=Streams Studio`,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + CA_DAYS * DAY),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  writeSecret(keyFile, await pemKey(keys.privateKey));
  fs.writeFileSync(certFile, cert.toString('pem'));
  return { cert, key: keys.privateKey };
}

/** Issues host.crt/host.key in `dir` for `names`, signed by the host's authority. */
export async function issueHostCertificate(dir: string, names: readonly string[], studioName = 'Streams Studio'): Promise<void> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = await authority(dir, studioName);
  const keys = (await crypto.webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${names[0] ?? 'localhost'}`,
    issuer: ca.cert.subject,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + LEAF_DAYS * DAY),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names.map((n) => (net.isIP(n) ? { type: 'ip' as const, value: n } : { type: 'dns' as const, value: n }))),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  writeSecret(path.join(dir, 'host.key'), await pemKey(keys.privateKey));
  fs.writeFileSync(path.join(dir, 'host.crt'), `${cert.toString('pem')}\n${ca.cert.toString('pem')}\n`);
}

/**
 * The host certificate in `dir`, issued when missing, within 30 days of expiry, or not covering `names`.
 */
export async function ensureHostCertificate(dir: string, names: readonly string[], studioName?: string): Promise<HostCertificate> {
  const certFile = path.join(dir, 'host.crt');
  const files = { certFile, keyFile: path.join(dir, 'host.key'), caFile: path.join(dir, 'ca.crt') };
  try {
    const cert = new crypto.X509Certificate(fs.readFileSync(certFile));
    const covered = names.every((n) => (cert.subjectAltName ?? '').split(/,\s*/).some((san) => san === `DNS:${n}` || san === `IP Address:${n}` || (n === '::1' && san === 'IP Address:0:0:0:0:0:0:0:1')));
    if (covered && Date.parse(cert.validTo) - Date.now() > RENEW_DAYS * DAY && fs.existsSync(files.keyFile)) return { ...files, issued: false };
  } catch {
    // Missing or unreadable: issue one.
  }
  await issueHostCertificate(dir, names, studioName);
  return { ...files, issued: true };
}
