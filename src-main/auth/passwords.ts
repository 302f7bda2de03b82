import type * as Argon2Module from '@node-rs/argon2';

// Loaded on first use: a host that no one signs in to by password (tokens, links) never maps the addon.
type Argon2 = typeof Argon2Module;
let argon2: Promise<Argon2> | undefined;
const loadArgon2 = (): Promise<Argon2> => (argon2 ??= import('@node-rs/argon2'));

/**
 * argon2id with RFC 9106's second recommended set (64 MiB, 3 passes, 4 lanes): about 30 ms a check on
 * 2 cores here, so a sign-in stays well under 250 ms while a stolen database stays expensive to crack.
 */
const PARAMS = { algorithm: 2 /* Argon2id */, memoryCost: 65_536, timeCost: 3, parallelism: 4 } as const;

export const hashPassword = async (password: string): Promise<string> => (await loadArgon2()).hash(password, PARAMS);

/** True when `password` matches `stored`; a malformed hash is a mismatch, never a throw. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  const { verify } = await loadArgon2();
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** A hash of nothing anyone knows: verified against for unknown names, so they cost what a real check costs. */
let decoy: Promise<string> | undefined;
export const decoyHash = (): Promise<string> => (decoy ??= hashPassword(`decoy-${Math.random()}`));
