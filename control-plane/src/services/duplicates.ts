import { UniqueConstraintViolationException } from "@mikro-orm/core";
import { AppError } from "../errors.js";

/**
 * Runs `work`; a unique constraint violation (two concurrent requests creating the same account or
 * membership, where the check before the insert could not see the other) becomes a 409 with `message`.
 */
export async function conflictOnDuplicate<T>(work: () => Promise<T>, message: string): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof UniqueConstraintViolationException) throw new AppError("CONFLICT", message);
    throw e;
  }
}
