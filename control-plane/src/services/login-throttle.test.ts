import { describe, expect, it } from "vitest";
import { AppError } from "../errors.js";
import { createLoginThrottle } from "./login-throttle.js";

const refusal = (f: () => unknown): AppError => {
  try {
    f();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error("not refused");
};

describe("login throttle", () => {
  it("refuses an account's attempts once its failures are spent, from any address, until its window ends", () => {
    const clock = { t: 1_000_000 };
    const throttle = createLoginThrottle({ perAccount: 3, perAddress: 100, windowMs: 900_000, now: () => clock.t });
    for (const ip of ["192.0.2.1", "192.0.2.2", "192.0.2.3"]) throttle.attempt("a@x.test", ip);
    clock.t += 300_000;
    const refused = refusal(() => throttle.attempt("a@x.test", "192.0.2.4"));
    expect(refused).toMatchObject({
      code: "TOO_MANY_REQUESTS",
      message: "too many failed sign-ins for this account: 3 in 15 min; retry in 600 s",
      headers: { "Retry-After": "600" },
    });
    expect(() => throttle.attempt("b@x.test", "192.0.2.1")).not.toThrow(); // another account
    clock.t += 600_000;
    expect(() => throttle.attempt("a@x.test", "192.0.2.4")).not.toThrow();
  });

  it("refuses an address's attempts once its failures are spent, across accounts; successes are forgiven", () => {
    const throttle = createLoginThrottle({ perAccount: 100, perAddress: 3, windowMs: 60_000, now: () => 0 });
    throttle.attempt("a@x.test", "192.0.2.9").succeeded();
    for (const email of ["b@x.test", "c@x.test", "d@x.test"]) throttle.attempt(email, "192.0.2.9");
    expect(refusal(() => throttle.attempt("e@x.test", "192.0.2.9")).message).toBe(
      "too many failed sign-ins from this address: 3 in 1 min; retry in 60 s",
    );
    expect(() => throttle.attempt("e@x.test", null)).not.toThrow(); // no address known (no HTTP)
  });

  it("counts concurrent attempts before their passwords are checked, and runs one address's checks in turn", async () => {
    const throttle = createLoginThrottle({ perAccount: 100, perAddress: 4, windowMs: 60_000 });
    const admitted: (() => void)[] = [];
    let refused = 0;
    for (let i = 0; i < 10; i++) {
      try {
        admitted.push(throttle.attempt(`${i}@x.test`, "192.0.2.7").succeeded);
      } catch {
        refused++;
      }
    }
    expect([admitted.length, refused]).toEqual([4, 6]);

    let running = 0;
    let most = 0;
    const check = async () => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
    };
    await Promise.all([
      ...Array.from({ length: 4 }, () => throttle.inTurn("192.0.2.7", check)),
      throttle
        .inTurn("192.0.2.7", async () => {
          throw new Error("a failed check does not stop the queue");
        })
        .catch(() => {}),
      throttle.inTurn("192.0.2.7", check),
    ]);
    expect(most).toBe(1);
    await Promise.all([throttle.inTurn("192.0.2.7", check), throttle.inTurn("198.51.100.1", check)]);
    expect(most).toBe(2); // other addresses are not queued behind it
  });
});
