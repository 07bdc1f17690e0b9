import { hash, verify } from "@node-rs/argon2";

/**
 * Password hashing: argon2id (the library's default algorithm) with OWASP's minimum parameters
 * (19 MiB memory, 2 iterations, 1 lane), stored as a PHC string that carries its own parameters.
 */
const PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const hashPassword = (password: string): Promise<string> => hash(password, PARAMS);

export const verifyPassword = (phc: string, password: string): Promise<boolean> =>
  verify(phc, password).catch(() => false);
