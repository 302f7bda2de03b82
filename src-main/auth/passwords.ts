import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id with RFC 9106's second recommended set (64 MiB, 3 passes, 4 lanes): about 30 ms a check on
 * 2 cores here, so a sign-in stays well under 250 ms while a stolen database stays expensive to crack.
 */
const PARAMS = { algorithm: 2 /* Argon2id */, memoryCost: 65_536, timeCost: 3, parallelism: 4 } as const;

export const hashPassword = (password: string): Promise<string> => hash(password, PARAMS);

/** True when `password` matches `stored`; a malformed hash is a mismatch, never a throw. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** A hash of nothing anyone knows: verified against for unknown names, so they cost what a real check costs. */
let decoy: Promise<string> | undefined;
export const decoyHash = (): Promise<string> => (decoy ??= hashPassword(`decoy-${Math.random()}`));
