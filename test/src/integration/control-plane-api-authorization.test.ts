import { Readable } from "node:stream";
import { appRouter, type Caller } from "@tinyml/control-plane";
import { beforeAll, describe, expect, it } from "vitest";
import { DATABASES, optimizeForm, useControlPlaneApi } from "./support/control-plane-api.js";

type Who = "anonymous" | "outsider" | "member" | "admin";
const WHO: Who[] = ["anonymous", "outsider", "member", "admin"];

/** The owner organization's fixtures the routes of the matrix address. */
interface Matrix {
  projectId: string;
  /** A job left running. */
  jobId: string;
  /** A job finished with results and an artifact. */
  doneJobId: string;
  kws: Buffer;
}

const json = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});
/** Every route with the status each caller gets; run in this order, against one owner organization. */
const ROUTES: [name: string, init: (m: Matrix) => [string, RequestInit], expected: Record<Who, number>][] = [
  ["GET /", () => ["/", {}], { anonymous: 200, outsider: 200, member: 200, admin: 200 }],
  ["GET /health", () => ["/health", {}], { anonymous: 200, outsider: 200, member: 200, admin: 200 }],
  ["GET /api/docs", () => ["/api/docs", {}], { anonymous: 200, outsider: 200, member: 200, admin: 200 }],
  [
    "GET /api/docs/openapi.json",
    () => ["/api/docs/openapi.json", {}],
    { anonymous: 200, outsider: 200, member: 200, admin: 200 },
  ],
  [
    "GET /api/hardware-targets",
    () => ["/api/hardware-targets", {}],
    { anonymous: 200, outsider: 200, member: 200, admin: 200 },
  ],
  [
    "GET /api/model-frameworks",
    () => ["/api/model-frameworks", {}],
    { anonymous: 200, outsider: 200, member: 200, admin: 200 },
  ],
  ["GET /api/tiers", () => ["/api/tiers", {}], { anonymous: 200, outsider: 200, member: 200, admin: 200 }],
  [
    "POST /api/projects",
    () => ["/api/projects", json({ name: "matrix" })],
    { anonymous: 401, outsider: 201, member: 201, admin: 201 },
  ],
  ["GET /api/projects", () => ["/api/projects", {}], { anonymous: 401, outsider: 200, member: 200, admin: 200 }],
  [
    "GET /api/projects/{id}",
    (m) => [`/api/projects/${m.projectId}`, {}],
    { anonymous: 401, outsider: 404, member: 200, admin: 200 },
  ],
  [
    "GET /api/projects/{id}/jobs",
    (m) => [`/api/projects/${m.projectId}/jobs`, {}],
    { anonymous: 401, outsider: 404, member: 200, admin: 200 },
  ],
  [
    "POST /api/projects/{id}/optimize",
    (m) => [
      `/api/projects/${m.projectId}/optimize`,
      { method: "POST", body: optimizeForm(new Blob([m.kws]), "kws.tflite") },
    ],
    { anonymous: 401, outsider: 404, member: 202, admin: 202 },
  ],
  [
    "GET /api/jobs/{id}",
    (m) => [`/api/jobs/${m.jobId}`, {}],
    { anonymous: 401, outsider: 404, member: 200, admin: 200 },
  ],
  [
    "GET /api/jobs/{id}/results (running)",
    (m) => [`/api/jobs/${m.jobId}/results`, {}],
    { anonymous: 401, outsider: 404, member: 409, admin: 409 },
  ],
  [
    "GET /api/jobs/{id}/results (done)",
    (m) => [`/api/jobs/${m.doneJobId}/results`, {}],
    { anonymous: 401, outsider: 404, member: 200, admin: 200 },
  ],
  [
    "GET /api/jobs/{id}/download (running)",
    (m) => [`/api/jobs/${m.jobId}/download`, {}],
    { anonymous: 401, outsider: 404, member: 409, admin: 409 },
  ],
  [
    "GET /api/jobs/{id}/download (done)",
    (m) => [`/api/jobs/${m.doneJobId}/download`, {}],
    { anonymous: 401, outsider: 404, member: 200, admin: 200 },
  ],
  [
    "GET /api/subscription",
    () => ["/api/subscription", {}],
    { anonymous: 401, outsider: 200, member: 200, admin: 200 },
  ],
  [
    "POST /api/subscription/upgrade",
    () => ["/api/subscription/upgrade", json({ tier: "basic" })],
    { anonymous: 401, outsider: 403, member: 403, admin: 200 },
  ],
  ["GET /api/stats", () => ["/api/stats", {}], { anonymous: 401, outsider: 200, member: 200, admin: 200 }],
  [
    "GET /trpc/projects.get",
    (m) => [`/trpc/projects.get?input=${encodeURIComponent(JSON.stringify({ id: m.projectId }))}`, {}],
    { anonymous: 401, outsider: 404, member: 200, admin: 200 },
  ],
  [
    "GET /trpc/jobs.get",
    (m) => [`/trpc/jobs.get?input=${encodeURIComponent(JSON.stringify({ id: m.jobId }))}`, {}],
    { anonymous: 401, outsider: 404, member: 200, admin: 200 },
  ],
  [
    "POST /trpc/orgs.addMember",
    () => ["/trpc/orgs.addMember", json({ email: "nobody@tinyml.test", role: "member" })],
    { anonymous: 401, outsider: 403, member: 403, admin: 404 },
  ],
  ["GET /api/farm/boards", () => ["/api/farm/boards", {}], { anonymous: 401, outsider: 200, member: 200, admin: 200 }],
  [
    "GET /trpc/farm.boards",
    () => ["/trpc/farm.boards", {}],
    { anonymous: 401, outsider: 200, member: 200, admin: 200 },
  ],
  [
    "POST /api/jobs/{id}/cancel (done)",
    (m) => [`/api/jobs/${m.doneJobId}/cancel`, { method: "POST" }],
    { anonymous: 401, outsider: 404, member: 409, admin: 409 },
  ],
  // Last: the member cancels the running job, then the admin finds it already cancelled.
  [
    "POST /api/jobs/{id}/cancel (running)",
    (m) => [`/api/jobs/${m.jobId}/cancel`, { method: "POST" }],
    { anonymous: 401, outsider: 404, member: 200, admin: 409 },
  ],
];

/** Who may call what, on both databases: every route for anonymous, outsider, member and admin callers. */
describe.each(DATABASES)("control plane on $name", (db) => {
  const { api, trpc, signup, memberOf, request, createProject } = useControlPlaneApi(db);

  describe("authorization matrix", () => {
    const tokens: Record<Who, string | undefined> = { anonymous: undefined, outsider: "", member: "", admin: "" };
    let projectId: string;
    let jobId: string;
    let doneJobId: string;
    let ownerCaller: Caller;

    beforeAll(async () => {
      const owner = await signup("Quinn");
      ownerCaller = owner.caller;
      await trpc(owner.caller).subscription.upgrade({ tier: "basic" });
      const member = await memberOf(owner.caller, "member", "Rae");
      const admin = await memberOf(owner.caller, "admin", "Sam");
      // The outsider is a plain member of another organization.
      const otherOwner = await signup("Vic");
      const outsider = await memberOf(otherOwner.caller, "member", "Tom");
      tokens.member = member.token;
      tokens.admin = (await trpc(admin.caller).apiKeys.create({ name: "admin ci" })).key; // API key path
      tokens.outsider = (await trpc(outsider.caller).apiKeys.create({ name: "outsider" })).key;
      projectId = (await createProject(owner.session.accessToken)).id;
      const submit = async () => {
        const res = await request(`/api/projects/${projectId}/optimize`, {
          method: "POST",
          token: owner.session.accessToken,
          body: optimizeForm(new Blob([api.kws]), "kws.tflite"),
        });
        return ((await res.json()) as { id: string }).id;
      };
      jobId = await submit();
      doneJobId = await submit();
      // Finish one job the way the control-plane activities will: artifact in the blob store, then the result.
      const artifactKey = `orgs/${owner.caller.organizationId}/artifacts/${doneJobId}/model_int8.tflite`;
      await api.cp.blobStore.put(artifactKey, Readable.from([api.kws]));
      await api.cp.services.jobRecorder.recordResult(doneJobId, {
        metrics: { flashBytes: { value: 53936, source: "emulated" } },
        artifact: { blobKey: artifactKey, fileName: "model_int8.tflite" },
      });
    });

    it.each(ROUTES)("%s", async (_name, init, expected) => {
      const seen: Record<string, number> = {};
      for (const who of WHO) {
        const [path, requestInit] = init({ projectId, jobId, doneJobId, kws: api.kws });
        const res = await request(path, { ...requestInit, token: tokens[who] });
        seen[who] = res.status;
      }
      expect(seen).toEqual(expected);
    });

    it("every tRPC procedure outside auth.* and the catalogs answers 401 to an anonymous caller over HTTP", async () => {
      const PUBLIC = /^(auth\.|targets\.|frameworks\.|tiers\.)/;
      const procedures = Object.entries(
        appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>,
      );
      expect(procedures.length).toBeGreaterThan(25);
      const seen: Record<string, number> = {};
      for (const [path, procedure] of procedures) {
        const res =
          procedure._def.type !== "mutation"
            ? await request(`/trpc/${path}?input=${encodeURIComponent("{}")}`)
            : await request(`/trpc/${path}`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: "{}",
              });
        seen[path] = res.status;
        if (procedure._def.type === "subscription") {
          // Subscriptions answer as an event stream (200) whose first event is the error.
          const reader = (res.body as ReadableStream<Uint8Array>).getReader();
          let text = "";
          while (!text.includes("UNAUTHORIZED") && text.length < 10_000) {
            const chunk = await reader.read();
            if (chunk.done) break;
            text += new TextDecoder().decode(chunk.value);
          }
          await reader.cancel();
          if (text.includes('"code":"UNAUTHORIZED"') || text.includes('"UNAUTHORIZED"')) seen[path] = 401;
        }
      }
      for (const [path, status] of Object.entries(seen)) {
        if (PUBLIC.test(path)) expect([200, 400], path).toContain(status);
        else expect(status, path).toBe(401);
      }
    });

    it("returns a finished job's results and its optimized model to members only", async () => {
      const results = await request(`/api/jobs/${doneJobId}/results`, { token: tokens.member });
      expect(await results.json()).toMatchObject({ metrics: { flashBytes: { value: 53936, source: "emulated" } } });
      const download = await request(`/api/jobs/${doneJobId}/download`, { token: tokens.member });
      expect(download.headers.get("content-disposition")).toBe('attachment; filename="model_int8.tflite"');
      expect(Buffer.from(await download.arrayBuffer()).equals(api.kws)).toBe(true);
    });

    it("no cross-tenant read or write: the outsider sees only its own organization", async () => {
      const projects = (await (await request("/api/projects", { token: tokens.outsider })).json()) as {
        projects: { id: string; organization_id: string }[];
      };
      expect(projects.projects.map((p) => p.id)).not.toContain(projectId);
      expect(projects.projects.every((p) => p.organization_id !== ownerCaller.organizationId)).toBe(true);
      const subscription = (await (await request("/api/subscription", { token: tokens.outsider })).json()) as {
        organization_id: string;
      };
      expect(subscription.organization_id).not.toBe(ownerCaller.organizationId);
      const stats = (await (await request("/api/stats", { token: tokens.outsider })).json()) as {
        organization_id: string;
      };
      expect(stats.organization_id).not.toBe(ownerCaller.organizationId);
      // The owner's organization still has exactly the jobs its own members submitted.
      const jobs = await trpc(ownerCaller).jobs.list({ projectId });
      expect(jobs.length).toBe(4); // two set-up jobs + the member's and the admin's optimize
      const keys = await trpc(ownerCaller).apiKeys.list();
      expect(keys.map((k) => k.name)).toEqual(["admin ci"]);
    });
  });
});
