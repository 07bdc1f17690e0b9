#!/usr/bin/env node
import { createWriteStream } from "node:fs";
import { basename, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import { createTinymlClient, type TinymlClient } from "./client.js";
import { configPath, readConfig, resolveSettings, writeConfig } from "./config.js";
import { describeError, exitCodeOf, type TinymlApiError, TinymlConnectionError, toTinymlError } from "./errors.js";
import { type JobProgress, progressBar, progressLine, resultsTable, table } from "./output.js";
import { createTinymlRestClient, type TinymlRestClient } from "./rest-client.js";

const USAGE = `tinyml — the TinyML optimization service from the command line

  tinyml signup EMAIL [--name NAME]            create an account (password from TINYML_PASSWORD or stdin), make an
                                               API key and store it like login
  tinyml login [--url URL] [--api-key KEY]     store the service URL and API key (${"$"}XDG_CONFIG_HOME/tinyml/config.json)
  tinyml verify-email [TOKEN]                  verify your e-mail address with the token mailed to it (at sign-up);
                                               without TOKEN, have a new one mailed
  tinyml operator grant|revoke EMAIL           grant or revoke operator rights (operators only; verified accounts)
  tinyml targets                               the hardware targets
  tinyml projects                              your projects
  tinyml projects create NAME [--description D]
  tinyml optimize MODEL --project ID --target T --framework F [--quantize int8|fp16|mixed]
                  [--dataset D.npz] [--prune SPARSITY] [--size-kb N] [--wait]
  tinyml status JOB
  tinyml cancel JOB                            cancel a queued or running job (its artifacts are removed)
  tinyml results JOB
  tinyml download JOB [-o FILE]

Every command takes --json (one JSON document on stdout), --url and --api-key (or TINYML_URL, TINYML_API_KEY).
Exit codes: 0 done, 1 API error or failed job, 2 usage, 3 service unreachable, 4 not authorized.`;

const OPTIONS = {
  json: { type: "boolean" },
  url: { type: "string" },
  "api-key": { type: "string" },
  project: { type: "string" },
  target: { type: "string" },
  framework: { type: "string" },
  quantize: { type: "string" },
  dataset: { type: "string" },
  prune: { type: "string" },
  "size-kb": { type: "string" },
  description: { type: "string" },
  name: { type: "string" },
  wait: { type: "boolean" },
  output: { type: "string", short: "o" },
  help: { type: "boolean", short: "h" },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];

class UsageError extends Error {}

interface Io {
  flags: Flags;
  args: string[];
  url: string;
  apiKey: string | undefined;
  api: TinymlClient;
  rest: TinymlRestClient;
  /** Writes the result: JSON with --json, the human text otherwise. */
  print(value: unknown, human: string): void;
}

type Command = (io: Io) => Promise<number | undefined>;

const need = (value: string | undefined, what: string): string => {
  if (!value) throw new UsageError(`${what} is required`);
  return value;
};

const FINAL = new Set(["completed", "failed", "cancelled"]);

/** Bytes in KB as the service means it everywhere: 1000 bytes (so 1 MiB of flash is 1048.6 KB). */
const kb = (bytes: number) => (bytes / 1000).toFixed(1);

/** Follows `jobs.progress` until the job ends: a redrawn bar on a terminal, one line per change otherwise. */
async function follow(io: Io, jobId: string): Promise<JobProgress[]> {
  const seen: JobProgress[] = [];
  const tty = !io.flags.json && process.stderr.isTTY === true;
  await new Promise<void>((done, fail) => {
    const subscription = io.api.jobs.progress.subscribe(
      { id: jobId, intervalMs: 250 },
      {
        onData(job) {
          seen.push(job);
          if (tty) process.stderr.write(`\r${progressBar(job)}`);
          else if (!io.flags.json) process.stdout.write(`${progressLine(job)}\n`);
          if (FINAL.has(job.status)) {
            if (tty) process.stderr.write("\n");
            subscription.unsubscribe();
            done();
          }
        },
        onError: (e) => fail(e),
        // The link retries a stream that failed with a server error; for the CLI that is an answer, not a blip.
        onConnectionStateChange(state) {
          if (state.state === "connecting" && state.error) {
            subscription.unsubscribe();
            fail(state.error);
          }
        },
        onComplete: () => done(),
      },
    );
  });
  return seen;
}

/** A password from TINYML_PASSWORD, else the first line of stdin (never a flag: flags show in `ps`). */
async function readPassword(): Promise<string> {
  if (process.env.TINYML_PASSWORD) return process.env.TINYML_PASSWORD;
  if (process.stdin.isTTY) process.stderr.write("password: ");
  let text = "";
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes("\n")) break;
  }
  const password = text.split("\n")[0]?.replace(/\r$/, "") ?? "";
  return need(password, "a password (TINYML_PASSWORD or one line on stdin)");
}

const commands: Record<string, Command> = {
  async signup(io) {
    const email = need(io.args[0], "an email address (tinyml signup EMAIL)");
    const password = await readPassword();
    const session = await io.api.auth.signup.mutate({
      email,
      password,
      name: io.flags.name ?? email.split("@")[0] ?? email,
    });
    const authed = createTinymlClient({ url: io.url, apiKey: session.accessToken });
    const key = await authed.apiKeys.create.mutate({ name: "tinyml cli" });
    const path = configPath();
    await writeConfig(path, { url: io.url, apiKey: key.key });
    io.print(
      { url: io.url, email, configPath: path, apiKeyPrefix: key.key.slice(0, 12) },
      `signed up ${email} at ${io.url}; an API key for this CLI is saved in ${path}`,
    );
    return 0;
  },

  async login(io) {
    const apiKey = need(
      io.apiKey,
      "an API key (--api-key KEY or TINYML_API_KEY; make one in the web app or apiKeys.create)",
    );
    const who = await io.api.subscription.get.query(); // proves the key works before storing it
    const path = configPath();
    await writeConfig(path, { url: io.url, apiKey });
    io.print(
      { url: io.url, configPath: path, tier: who.tier },
      `logged in to ${io.url} (tier ${who.tier}); settings saved in ${path}`,
    );
    return 0;
  },

  async "verify-email"(io) {
    const token = io.args[0];
    if (!token) {
      const sent = await io.api.users.requestEmailVerification.mutate();
      io.print(sent, sent.message);
      return 0;
    }
    const user = await io.api.auth.verifyEmail.mutate({ token });
    io.print(user, `${user.email} is verified`);
    return 0;
  },

  async operator(io) {
    const [action, email] = io.args;
    if (action !== "grant" && action !== "revoke") throw new UsageError("use tinyml operator grant|revoke EMAIL");
    const user = await io.api.users.setOperator.mutate({
      email: need(email, "an e-mail address (tinyml operator grant|revoke EMAIL)"),
      isOperator: action === "grant",
    });
    io.print(user, `${user.email} ${user.isOperator ? "is an operator" : "is not an operator"}`);
    return 0;
  },

  async targets(io) {
    const targets = await io.rest.hardwareTargets();
    const rows = [["id", "name", "clock MHz", "flash KB", "RAM KB"]];
    for (const t of targets) {
      rows.push([t.id, t.name, String(t.clockMhz), kb(t.flashBytes), kb(t.ramBytes)]);
    }
    io.print(targets, table(rows));
    return 0;
  },

  async projects(io) {
    if (io.args[0] === "create") {
      const name = need(io.args[1], "a project name (tinyml projects create NAME)");
      const project = await io.api.projects.create.mutate({ name, description: io.flags.description });
      io.print(project, `created project ${project.id} (${project.name})`);
      return 0;
    }
    if (io.args.length > 0)
      throw new UsageError(`unknown projects subcommand ${io.args[0]}: use tinyml projects [create NAME]`);
    const projects = await io.api.projects.list.query();
    const rows = [["id", "name", "created"]];
    for (const p of projects as unknown as Record<string, unknown>[])
      rows.push([String(p.id), String(p.name), String(p.created_at ?? p.createdAt ?? "")]);
    io.print(projects, projects.length === 0 ? "no projects yet: tinyml projects create NAME" : table(rows));
    return 0;
  },

  async optimize(io) {
    const model = need(io.args[0], "the model file (tinyml optimize MODEL …)");
    const job = await io.rest.optimize(need(io.flags.project, "--project ID"), {
      model: resolve(model),
      dataset: io.flags.dataset ? resolve(io.flags.dataset) : undefined,
      hardwareTarget: need(io.flags.target, "--target (see tinyml targets)"),
      modelFramework: need(io.flags.framework, "--framework (tflite, onnx, tensorflow, pytorch, …)"),
      quantizationType: io.flags.quantize,
      enablePruning: io.flags.prune ? true : undefined,
      pruningSparsity: io.flags.prune ? Number(io.flags.prune) : undefined,
      targetSizeKb: io.flags["size-kb"] ? Number(io.flags["size-kb"]) : undefined,
    });
    if (!io.flags.wait) {
      io.print(
        job,
        `submitted ${basename(model)}: job ${job.id} (${job.status}); follow it with tinyml status ${job.id}`,
      );
      return 0;
    }
    if (!io.flags.json) process.stdout.write(`submitted ${basename(model)}: job ${job.id}\n`);
    const progress = await follow(io, job.id);
    const last = progress.at(-1);
    if (last?.status !== "completed") {
      const error = last?.error ?? `the job ended ${last?.status ?? "without news"}`;
      io.print({ job: last, progress, error }, `job ${job.id} ${last?.status ?? "ended"}: ${error}`);
      return 1;
    }
    const results = await io.rest.results(job.id);
    io.print({ job: last, progress, results }, resultsTable(results));
    return 0;
  },

  async status(io) {
    const job = await io.api.jobs.get.query({ id: need(io.args[0], "a job id (tinyml status JOB)") });
    io.print(job, progressLine(job));
    return 0;
  },

  async cancel(io) {
    const job = await io.rest.cancel(need(io.args[0], "a job id (tinyml cancel JOB)"));
    io.print(job, progressLine(job));
    return 0;
  },

  async results(io) {
    const results = await io.rest.results(need(io.args[0], "a job id (tinyml results JOB)"));
    io.print(results, resultsTable(results));
    return 0;
  },

  async download(io) {
    const { fileName, stream } = await io.rest.download(need(io.args[0], "a job id (tinyml download JOB)"));
    const path = resolve(io.flags.output ?? fileName);
    await pipeline(stream, createWriteStream(path));
    io.print({ path, fileName }, `saved ${path}`);
    return 0;
  },
};

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (e) {
    process.stderr.write(`tinyml: ${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values: flags, positionals } = parsed;
  const [name, ...args] = positionals;
  if (flags.help || !name) {
    process.stdout.write(`${USAGE}\n`);
    return flags.help ? 0 : 2;
  }
  const command = commands[name];
  const json = flags.json === true;
  const fail = (error: unknown, code: number) => {
    const e = error as Partial<TinymlApiError>;
    if (json) {
      const body = {
        error: {
          code: e.code ?? (error instanceof TinymlConnectionError ? "UNREACHABLE" : "ERROR"),
          status: e.status,
          message: describeError(error),
        },
      };
      process.stdout.write(`${JSON.stringify(body)}\n`);
    }
    process.stderr.write(`tinyml: ${describeError(error)}\n`);
    return code;
  };
  if (!command) return fail(new UsageError(`unknown command ${name}: run tinyml --help`), 2);

  let settings: { url: string; apiKey: string | undefined };
  try {
    settings = resolveSettings(
      { url: flags.url, apiKey: flags["api-key"] },
      process.env,
      await readConfig(configPath()),
    );
  } catch (e) {
    return fail(e, 2);
  }
  const io: Io = {
    flags,
    args,
    ...settings,
    api: createTinymlClient(settings),
    rest: createTinymlRestClient(settings),
    print(value, human) {
      process.stdout.write(`${json ? JSON.stringify(value, null, 2) : human}\n`);
    },
  };
  try {
    return (await command(io)) ?? 0;
  } catch (e) {
    if (e instanceof UsageError) return fail(e, 2);
    const error = toTinymlError(e, settings.url);
    return fail(error, exitCodeOf(error));
  }
}

// Exit at once: stdout and stderr are synchronous on files and pipes, and an idle keep-alive socket must not hold the process.
process.exit(await main(process.argv.slice(2)));
