import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

const { DATABASE_URL } = inject("stackEnv");
let client: pg.Client;

beforeAll(async () => {
  client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
});
afterAll(() => client.end());

describe("PostgreSQL (real server, private cluster)", () => {
  it("answers queries on loopback", async () => {
    const { rows } = await client.query<{ version: string }>("select current_setting('server_version') as version");
    expect(Number.parseInt(rows[0]?.version ?? "0", 10)).toBeGreaterThanOrEqual(15);
  });

  it("keeps rows in a transaction and rolls back", async () => {
    await client.query("create table if not exists probe (id serial primary key, name text not null)");
    await client.query("begin");
    await client.query("insert into probe (name) values ($1), ($2)", ["cortex-m4", "riscv"]);
    const inside = await client.query("select name from probe order by id");
    expect(inside.rows.map((r) => r.name)).toEqual(["cortex-m4", "riscv"]);
    await client.query("rollback");
    const after = await client.query("select count(*)::int as n from probe");
    expect(after.rows[0].n).toBe(0);
  });

  it("enforces constraints", async () => {
    await expect(client.query("insert into probe (name) values (null)")).rejects.toThrow(/not-null constraint/);
  });
});
