import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SwaggerParser from "@apidevtools/swagger-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../app.js";
import { loadControlPlaneConfig } from "../config.js";
import { type ControlPlane, createControlPlane } from "../control-plane.js";
import { documentedOperations, openApiDocument } from "./openapi-document.js";
import { routeCoverage, servedOperations } from "./route-coverage.js";

let dir: string;
let cp: ControlPlane;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "openapi-"));
  cp = await createControlPlane(
    loadControlPlaneConfig({ DATA_DIR: dir, OUTBOX_PRINT: "false", CONTROL_PLANE_WORKER: "false" }),
  );
});
afterAll(async () => {
  await cp.close();
  await rm(dir, { recursive: true, force: true });
});

describe("OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document (validated by swagger-parser)", async () => {
    const doc = (await (await cp.app.request("/api/docs")).json()) as Record<string, unknown>;
    expect(doc.openapi).toBe("3.1.0");
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  });

  it("covers every REST route the app serves, and nothing it does not", () => {
    // Grid-internal routes (signed blob URLs, farm board reports) are for workers and agents, not the public API.
    expect(cp.app.routes.some((r) => r.path.startsWith("/internal/blobs/"))).toBe(true);
    expect(routeCoverage(cp.app)).toEqual({ undocumented: [], unserved: [] });
    expect(servedOperations(cp.app)).toContain("POST /api/projects/{id}/optimize");
    expect(documentedOperations(openApiDocument(cp.app))).toHaveLength(servedOperations(cp.app).length);
  });

  it("names a route registered without its schema", () => {
    const app = createApp();
    app.get("/api/undeclared", (c) => c.json({}));
    expect(routeCoverage(app)).toEqual({ undocumented: ["GET /api/undeclared"], unserved: [] });
  });

  it("describes the optimize form with the original API's fields and the tier/quota answers", () => {
    const op = openApiDocument(cp.app).paths["/api/projects/{id}/optimize"]?.post as unknown as {
      requestBody: { content: Record<string, { schema: { properties: Record<string, unknown>; required: string[] } }> };
      responses: Record<string, unknown>;
    };
    const form = op.requestBody.content["multipart/form-data"]?.schema;
    expect(Object.keys(form?.properties ?? {})).toEqual([
      "model_file",
      "hardware_target",
      "model_framework",
      "target_size_kb",
      "target_accuracy_threshold",
      "enable_quantization",
      "enable_pruning",
      "quantization_type",
      "pruning_sparsity",
      "enable_nas",
      "dataset_file",
    ]);
    expect(form?.required).toEqual(["model_file", "hardware_target", "model_framework"]);
    expect(Object.keys(op.responses)).toEqual(["202", "400", "401", "403", "404", "413", "429", "503"]);
  });

  it("serves a browsable page for browsers", async () => {
    const res = await cp.app.request("/api/docs", { headers: { accept: "text/html,application/xhtml+xml" } });
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const page = await res.text();
    expect(page).toContain("<code>/api/subscription/upgrade</code>");
    expect(page).toContain("Start an optimization job");
  });
});
