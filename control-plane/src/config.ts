import { createHmac, randomBytes } from "node:crypto";
import { TASK_QUEUES } from "@tinyml/workflows/contracts";
import { z } from "zod";

const bool = z
  .enum(["true", "false", "1", "0"])
  .transform((v) => v === "true" || v === "1")
  .optional();

/**
 * The control plane's configuration, read once from the environment and validated. Every default is the
 * embedded one: an SQLite file and a local blob folder under DATA_DIR, Temporal on its usual loopback port.
 */
export const ControlPlaneConfig = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(5000),
    HOST: z.string().min(1).default("127.0.0.1"),
    /** The Prometheus listener (GET /metrics), apart from the API's port; 0 picks a free port (logged). */
    METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9463),
    /** Its interface: loopback by default; a wildcard (0.0.0.0) only where the network keeps it private. */
    METRICS_HOST: z.string().min(1).default("127.0.0.1"),
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    /** Where the embedded defaults keep their state (SQLite file, blob folder). */
    DATA_DIR: z.string().min(1).default(".data"),
    /** `postgresql://…` selects PostgreSQL; `sqlite:PATH` (or unset: DATA_DIR/control-plane.sqlite) SQLite. */
    DATABASE_URL: z
      .string()
      .regex(/^(postgres(ql)?:\/\/|sqlite:)/, "must start with postgresql:// or sqlite:")
      .optional(),
    BLOB_STORE: z.enum(["local", "s3"]).default("local"),
    /** Folder of the local blob store (default DATA_DIR/blobs). */
    BLOB_DIR: z.string().min(1).optional(),
    S3_ENDPOINT: z.url().optional(),
    S3_BUCKET: z.string().min(1).optional(),
    S3_REGION: z.string().min(1).default("us-east-1"),
    S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    TEMPORAL_ADDRESS: z.string().min(1).default("127.0.0.1:7233"),
    TEMPORAL_NAMESPACE: z.string().min(1).default("default"),
    /** How long a job submission waits for Temporal before answering 503. */
    TEMPORAL_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
    /** HMAC secret of access tokens; required in production, a random one per process otherwise. */
    JWT_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    ACCESS_TOKEN_TTL_S: z.coerce.number().int().positive().default(900),
    REFRESH_TOKEN_TTL_S: z.coerce
      .number()
      .int()
      .positive()
      .default(30 * 24 * 3600),
    PASSWORD_RESET_TTL_S: z.coerce.number().int().positive().default(3600),
    /** Requests per minute per API key (or access token's user) and per IP. */
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(600),
    /** How long an upload's client may pause in the middle of its body before it is answered 400 (stalled). */
    UPLOAD_IDLE_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
    /** Failed sign-ins allowed per account (e-mail address) and per client address in LOGIN_FAILURE_WINDOW_S. */
    LOGIN_FAILURES_PER_ACCOUNT: z.coerce.number().int().positive().default(10),
    LOGIN_FAILURES_PER_ADDRESS: z.coerce.number().int().positive().default(100),
    LOGIN_FAILURE_WINDOW_S: z.coerce.number().int().positive().default(900),
    /** Removed: read only to refuse it at startup (operators are granted, never made by a sign-up). */
    OPERATOR_EMAILS: z.string().optional(),
    /** `smtp://user:pass@host:587` or `smtps://…`: where mail (e-mail verification, password reset) is sent. */
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\/[^/]/, "must be smtp://… or smtps://…")
      .optional(),
    /** The From address of that mail (`TinyML <no-reply@example.com>`); required with SMTP_URL. */
    MAIL_FROM: z.string().min(3).optional(),
    EMAIL_VERIFICATION_TTL_S: z.coerce
      .number()
      .int()
      .positive()
      .default(48 * 3600),
    /** Without SMTP_URL: print the messages (with their tokens) to the log; on by default outside production. */
    OUTBOX_PRINT: bool,
    /** Comma-separated origins browsers may call the API from (CORS); none by default. */
    CORS_ORIGINS: z
      .string()
      .default("")
      .transform((s) =>
        s
          .split(",")
          .map((o) => o.trim())
          .filter(Boolean),
      ),
    /** Trust X-Forwarded-For for the client IP (behind a reverse proxy only). */
    TRUST_PROXY: bool,
    /**
     * The base URL workers and farm agents reach this control plane at (signed blob URLs of the local store
     * point there); default `http://127.0.0.1:<PORT>` (127.0.0.1 when HOST is a wildcard).
     */
    PUBLIC_URL: z.url().optional(),
    /** HMAC secret of the local store's signed blob URLs; default derived from JWT_SECRET. */
    BLOB_URL_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    /** Largest artifact a signed PUT URL of the local store accepts (bytes). */
    MAX_ARTIFACT_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(512 * 1024 * 1024),
    /** Bearer token farm agents report their boards with; unset: board reports are refused (503). */
    FARM_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
    /** Run the control-plane activity worker (task queue CONTROL_PLANE_TASK_QUEUE) in this process. */
    CONTROL_PLANE_WORKER: bool,
    /** The task queue of the control-plane activities; change it only to keep test control planes apart. */
    CONTROL_PLANE_TASK_QUEUE: z.string().min(1).default(TASK_QUEUES.controlPlane),
    /** Pause between attempts to reach Temporal for the activity worker. */
    WORKER_RETRY_MS: z.coerce.number().int().positive().default(5000),
  })
  .superRefine((c, ctx) => {
    if (c.BLOB_STORE === "s3") {
      for (const key of ["S3_ENDPOINT", "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"] as const) {
        if (!c[key]) ctx.addIssue({ code: "custom", path: [key], message: "required when BLOB_STORE=s3" });
      }
    }
    if (c.OPERATOR_EMAILS?.trim()) {
      ctx.addIssue({
        code: "custom",
        path: ["OPERATOR_EMAILS"],
        message:
          "is no longer read (a sign-up never makes an operator): unset it; grant the first operator on the server " +
          "with `node control-plane/dist/admin.js grant-operator EMAIL` (a verified account), the next ones with " +
          "users.setOperator",
      });
    }
    if (c.SMTP_URL && !c.MAIL_FROM) {
      ctx.addIssue({ code: "custom", path: ["MAIL_FROM"], message: "required with SMTP_URL (the From address)" });
    }
    if (c.NODE_ENV === "production" && !c.JWT_SECRET) {
      ctx.addIssue({ code: "custom", path: ["JWT_SECRET"], message: "required in production" });
    }
  })
  .transform(({ OPERATOR_EMAILS: _removed, ...c }) => {
    const jwtSecret = c.JWT_SECRET ?? randomBytes(32).toString("hex");
    const host = c.HOST === "0.0.0.0" || c.HOST === "::" ? "127.0.0.1" : c.HOST.includes(":") ? `[${c.HOST}]` : c.HOST;
    return {
      ...c,
      JWT_SECRET: jwtSecret,
      OUTBOX_PRINT: c.OUTBOX_PRINT ?? c.NODE_ENV !== "production",
      TRUST_PROXY: c.TRUST_PROXY ?? false,
      PUBLIC_URL: (c.PUBLIC_URL ?? `http://${host}:${c.PORT}`).replace(/\/+$/, ""),
      BLOB_URL_SECRET: c.BLOB_URL_SECRET ?? createHmac("sha256", jwtSecret).update("signed blob URLs").digest("hex"),
      FARM_TOKEN: c.FARM_TOKEN ?? null,
      SMTP_URL: c.SMTP_URL ?? null,
      MAIL_FROM: c.MAIL_FROM ?? null,
      CONTROL_PLANE_WORKER: c.CONTROL_PLANE_WORKER ?? true,
    };
  });
export type ControlPlaneConfig = z.output<typeof ControlPlaneConfig>;

export function loadControlPlaneConfig(env: NodeJS.ProcessEnv = process.env): ControlPlaneConfig {
  const parsed = ControlPlaneConfig.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`invalid control plane configuration: ${issues}`);
  }
  return parsed.data;
}
