import { AppError } from "../errors.js";

export interface LoginThrottleOptions {
  /** Failed sign-ins allowed per account (e-mail address, known or not) in a window. */
  perAccount: number;
  /** Failed sign-ins allowed per client address in a window. */
  perAddress: number;
  windowMs: number;
  now?: () => number;
}

/**
 * Failed sign-ins, counted per account and per client address over fixed windows (each starts with a key's
 * first attempt after the last one ended). An attempt counts as a
 * failure from before its password is checked until it succeeds, so concurrent attempts (the calls of one
 * batch) cannot overrun a budget. Once either budget is spent, attempts are refused with 429 and `Retry-After`
 * before any password is checked: the account is safe from guessing, and the CPU that argon2 would have spent
 * stays with other users' sign-ins. Within its budget, one address's password checks run one at a time
 * (`inTurn`): a burst from one address holds one argon2 thread, not all of them, so another user's sign-in
 * waits for no queue. Counters live in this process, like the request rate limits.
 */
export function createLoginThrottle(options: LoginThrottleOptions) {
  const { windowMs } = options;
  const now = options.now ?? Date.now;
  const windows = new Map<string, { start: number; failures: number }>();
  /** The last password check queued per address (removed once it is done and none follows). */
  const turns = new Map<string, Promise<void>>();
  let lastSweep = now();

  const windowOf = (key: string, at: number) => {
    let w = windows.get(key);
    if (!w || w.start + windowMs <= at) {
      w = { start: at, failures: 0 };
      windows.set(key, w);
    }
    return w;
  };

  return {
    /**
     * Counts a sign-in attempt for `email` from `address` (`null` without HTTP), or refuses it when a budget is
     * spent. Call `succeeded()` once the password proved right.
     */
    attempt(email: string, address: string | null): { succeeded(): void } {
      const at = now();
      if (at - lastSweep > windowMs) {
        for (const [key, w] of windows) if (w.start + windowMs <= at) windows.delete(key);
        lastSweep = at;
      }
      const budgets: [window: { start: number; failures: number }, limit: number, whose: string][] = [
        [windowOf(`account:${email}`, at), options.perAccount, "for this account"],
      ];
      if (address) budgets.push([windowOf(`address:${address}`, at), options.perAddress, "from this address"]);
      for (const [w, limit, whose] of budgets) {
        if (w.failures >= limit) {
          const retryAfter = Math.max(1, Math.ceil((w.start + windowMs - at) / 1000));
          throw new AppError(
            "TOO_MANY_REQUESTS",
            `too many failed sign-ins ${whose}: ${limit} in ${Math.round(windowMs / 60_000)} min; retry in ${retryAfter} s`,
            {
              headers: { "Retry-After": String(retryAfter) },
              hint: "a forgotten password can be reset (auth.requestPasswordReset)",
            },
          );
        }
      }
      for (const [w] of budgets) w.failures++;
      return {
        succeeded() {
          for (const [w] of budgets) w.failures = Math.max(0, w.failures - 1);
        },
      };
    },

    /** Runs `check` (a password check) after the checks already queued for `address` (`null`: at once). */
    inTurn<T>(address: string | null, check: () => Promise<T>): Promise<T> {
      if (!address) return check();
      const result = (turns.get(address) ?? Promise.resolve()).then(check);
      const done = result.then(
        () => {},
        () => {},
      );
      turns.set(address, done);
      void done.then(() => {
        if (turns.get(address) === done) turns.delete(address);
      });
      return result;
    },
  };
}
