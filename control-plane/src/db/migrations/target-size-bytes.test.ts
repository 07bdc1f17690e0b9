import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MikroORM } from "@mikro-orm/core";
import { JobSpec } from "@tinyml/workflows/contracts";
import { afterAll, describe, expect, it } from "vitest";
import { JobSchema } from "../entities/index.js";
import { ormOptions } from "../orm.js";

/**
 * A job stored before sizes became bytes (its spec with `targetSizeKb`, KB of 1000 bytes) reads, after the
 * migrations, as every new job does: `targetSizeBytes`, a spec the workflow and the workers take as it is.
 */
const dir = await mkdtemp(join(tmpdir(), "cp-migration-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("migration Migration20261202132500 (SQLite)", () => {
  it("rewrites a stored spec's targetSizeKb as targetSizeBytes, and leaves a new spec as it is", async () => {
    const options = ormOptions({ dialect: "sqlite", file: join(dir, "jobs.sqlite") });
    const orm = await MikroORM.init({ ...options, migrations: { ...options.migrations, silent: true } });
    try {
      await orm.getMigrator().up({ to: "Migration20261125032043" });
      const connection = orm.em.getConnection();
      await connection.execute("pragma foreign_keys = off", [], "run");
      const old = { hardwareTarget: "riscv", modelFramework: "tflite", targetSizeKb: 40.5, quantizationType: "mixed" };
      const now = JobSpec.parse({ hardwareTarget: "riscv", modelFramework: "tflite", targetSizeBytes: 64_000 });
      const ids = [randomUUID(), randomUUID()];
      for (const [id, spec] of [
        [ids[0], old],
        [ids[1], now],
      ] as const) {
        await connection.execute(
          "insert into jobs (id, organization_id, project_id, model_id, spec, hardware_target, tier, status, stage, progress, workflow_id, created_by, created_at, updated_at) values (?, ?, ?, ?, ?, 'riscv', 'free', 'queued', 'submitted', 0, ?, ?, ?, ?)",
          [id, randomUUID(), randomUUID(), randomUUID(), JSON.stringify(spec), `optimize-${id}`, randomUUID(), 0, 0],
          "run",
        );
      }
      await orm.getMigrator().up();
      const em = orm.em.fork();
      const [before, after] = await Promise.all(ids.map((id) => em.findOneOrFail(JobSchema, { id: id as string })));
      expect(before?.spec).toEqual({
        hardwareTarget: "riscv",
        modelFramework: "tflite",
        targetSizeBytes: 40_500,
        quantizationType: "mixed",
      });
      expect(JobSpec.parse(before?.spec).targetSizeBytes).toBe(40_500);
      expect(after?.spec).toEqual(now);
    } finally {
      await orm.close(true);
    }
  });
});
