import { Migration20261125004149 } from "./Migration20261125004149.js";
import { Migration20261125032047 } from "./Migration20261125032047.js";
import { Migration20261202132500 } from "./Migration20261202132500.js";
import { Migration20261202161338 } from "./Migration20261202161338.js";

/** Every PostgreSQL migration, in order (run at start). */
export const POSTGRESQL_MIGRATIONS = [
  { name: "Migration20261125004149", class: Migration20261125004149 },
  /** Grid: jobs.progress_message and dataset_file_name, job_results.notes, farm_boards. */
  { name: "Migration20261125032047", class: Migration20261125032047 },
  /** Job specs: targetSizeKb (KB of 1000 bytes) becomes targetSizeBytes. */
  { name: "Migration20261202132500", class: Migration20261202132500 },
  /** Accounts: e-mail verification, session generations, an outbox without bodies; operators revoked. */
  { name: "Migration20261202161338", class: Migration20261202161338 },
];
