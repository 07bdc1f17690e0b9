import { describe, expect, it } from "vitest";
import { createApp } from "./app.js";
import { loadControlPlaneConfig } from "./config.js";

describe("control plane HTTP app", () => {
  const app = createApp();

  it("answers /health", async () => {
    const res = await app.request("/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("serves the hardware target catalog with published figures", async () => {
    const res = await app.request("/api/hardware-targets");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { hardware_targets: { id: string; clockMhz: number }[] };
    expect(body.hardware_targets.map((t) => `${t.id}@${t.clockMhz}`)).toEqual([
      "cortex-m4@84",
      "cortex-m7@216",
      "riscv@100",
      "esp32@240",
      "stm32@168",
      "cortex-a@1000",
    ]);
  });

  it("serves the frameworks", async () => {
    const body = (await (await app.request("/api/model-frameworks")).json()) as { model_frameworks: { id: string }[] };
    expect(body.model_frameworks.map((f) => f.id)).toEqual(["tensorflow", "pytorch", "onnx", "tflite"]);
  });

  it("answers an unknown route with a JSON 404 naming it", async () => {
    const res = await app.request("/api/nope", { method: "POST" });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { code: "NOT_FOUND", message: "no route POST /api/nope", hint: "the API's routes are at /api/docs" },
    });
  });
});

describe("request guards", () => {
  it("refuses a JSON body over 1 MiB with 413 before any route reads it", async () => {
    const res = await createApp().request("/api/tiers", { method: "POST", body: "x".repeat(1024 * 1024 + 1) });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("answers CORS preflights for the configured origins only", async () => {
    const app = createApp({ corsOrigins: ["https://app.tinyml.example"] });
    const preflight = (origin: string) =>
      app.request("/api/hardware-targets", {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "GET", "access-control-request-headers": "authorization" },
      });
    const allowed = await preflight("https://app.tinyml.example");
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.tinyml.example");
    expect(allowed.headers.get("access-control-allow-headers")).toBe("authorization,content-type");
    expect((await preflight("https://evil.example")).headers.get("access-control-allow-origin")).toBeNull();
    const withoutCors = await createApp().request("/health", { headers: { origin: "https://app.tinyml.example" } });
    expect(withoutCors.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("loadControlPlaneConfig", () => {
  it("defaults to port 5000 on loopback, an SQLite file and a local blob folder, and refuses a bad port", () => {
    expect(loadControlPlaneConfig({})).toMatchObject({
      PORT: 5000,
      HOST: "127.0.0.1",
      DATA_DIR: ".data",
      BLOB_STORE: "local",
      TEMPORAL_ADDRESS: "127.0.0.1:7233",
    });
    expect(loadControlPlaneConfig({}).DATABASE_URL).toBeUndefined();
    expect(() => loadControlPlaneConfig({ PORT: "http" })).toThrow(/PORT/);
  });

  it("grid settings: PUBLIC_URL from HOST and PORT, blob URL secret from JWT_SECRET, no farm token, worker on", () => {
    const config = loadControlPlaneConfig({ PORT: "5123", HOST: "0.0.0.0", JWT_SECRET: "j".repeat(32) });
    expect(config).toMatchObject({
      PUBLIC_URL: "http://127.0.0.1:5123",
      FARM_TOKEN: null,
      CONTROL_PLANE_WORKER: true,
      CONTROL_PLANE_TASK_QUEUE: "control-plane",
    });
    // Every process of a deployment that shares JWT_SECRET verifies the others' blob URLs.
    expect(loadControlPlaneConfig({ JWT_SECRET: "j".repeat(32) }).BLOB_URL_SECRET).toBe(config.BLOB_URL_SECRET);
    expect(loadControlPlaneConfig({ JWT_SECRET: "k".repeat(32) }).BLOB_URL_SECRET).not.toBe(config.BLOB_URL_SECRET);
    expect(loadControlPlaneConfig({ PUBLIC_URL: "https://tinyml.example/" }).PUBLIC_URL).toBe("https://tinyml.example");
    expect(() => loadControlPlaneConfig({ FARM_TOKEN: "short" })).toThrow(/FARM_TOKEN: must be at least 16 characters/);
    expect(() => loadControlPlaneConfig({ PUBLIC_URL: "not a url" })).toThrow(/PUBLIC_URL/);
  });

  it("names every missing S3 setting, a production deployment without JWT_SECRET, removed and partial settings", () => {
    expect(() => loadControlPlaneConfig({ BLOB_STORE: "s3", S3_BUCKET: "models" })).toThrow(
      "invalid control plane configuration: S3_ENDPOINT: required when BLOB_STORE=s3; S3_ACCESS_KEY_ID: required when BLOB_STORE=s3; S3_SECRET_ACCESS_KEY: required when BLOB_STORE=s3",
    );
    expect(() => loadControlPlaneConfig({ NODE_ENV: "production" })).toThrow(/JWT_SECRET: required in production/);
    expect(() => loadControlPlaneConfig({ DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL: must start with/);
    // Operators are granted, never made by a sign-up: the old setting is refused with what replaced it.
    expect(() => loadControlPlaneConfig({ OPERATOR_EMAILS: " Ops@Example.com , b@c.d" })).toThrow(
      /OPERATOR_EMAILS: is no longer read .*`node control-plane\/dist\/admin.js grant-operator EMAIL`/,
    );
    expect(loadControlPlaneConfig({ OPERATOR_EMAILS: "" })).not.toHaveProperty("OPERATOR_EMAILS");
    expect(() => loadControlPlaneConfig({ SMTP_URL: "smtp://127.0.0.1:25" })).toThrow(
      /MAIL_FROM: required with SMTP_URL/,
    );
    expect(() => loadControlPlaneConfig({ SMTP_URL: "http://mail.example", MAIL_FROM: "a@b.c" })).toThrow(
      /SMTP_URL: must be smtp:\/\/… or smtps:\/\/…/,
    );
  });
});
