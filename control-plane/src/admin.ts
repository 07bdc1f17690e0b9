import { loadControlPlaneConfig } from "./config.js";
import { databaseTarget } from "./db/dialect.js";
import { openDatabase } from "./db/orm.js";
import { AppError } from "./errors.js";
import { createOperatorService } from "./services/operators.js";

/**
 * Operator commands run on the server, against the database of the control plane (same environment as the
 * server: DATABASE_URL, DATA_DIR). The way the first operator is made, since a sign-up never makes one:
 *   node control-plane/dist/admin.js grant-operator EMAIL    (the account's e-mail address must be verified)
 *   node control-plane/dist/admin.js revoke-operator EMAIL
 * Each change is audited (`user.operator_grant` / `user.operator_revoke`, no actor, via admin.js).
 */
const USAGE = `usage: node control-plane/dist/admin.js grant-operator EMAIL | revoke-operator EMAIL
  run with the control plane's DATABASE_URL (and DATA_DIR) set; the account must have verified its e-mail address`;

const COMMANDS: Record<string, boolean> = { "grant-operator": true, "revoke-operator": false };

const [command = "", email, ...rest] = process.argv.slice(2);
const isOperator = COMMANDS[command];
if (isOperator === undefined || !email || rest.length > 0) {
  console.error(USAGE);
  process.exit(2);
}
const orm = await openDatabase(databaseTarget(loadControlPlaneConfig()));
try {
  const user = await createOperatorService({ orm }).setOperator(null, { email, isOperator });
  console.log(`${user.email} ${user.isOperator ? "is an operator" : "is not an operator"}`);
} catch (e) {
  if (!(e instanceof AppError)) throw e;
  console.error(e.message);
  process.exitCode = 1;
} finally {
  await orm.close(true);
}
