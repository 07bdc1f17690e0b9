import { createControlPlane } from "@tinyml/control-plane";
import { describe, expect, it } from "vitest";
import { DATABASES, useControlPlaneApi } from "./support/control-plane-api.js";
import { tokenIn } from "./support/smtp-inbox.js";

/** Tiers and quotas on both databases: the Free quota under concurrent submissions, an unreachable Temporal, upgrades. */
describe.each(DATABASES)("control plane on $name", (db) => {
  const { api, trpc, signup, memberOf, request, optimizeForm, createProject, blobsOf, configFor } =
    useControlPlaneApi(db);

  describe("tiers and quotas", () => {
    it("20 concurrent submissions for a Free organization: exactly 5 accepted, 15 refused, usage = 5", async () => {
      const { session, caller } = await signup("Max");
      const project = await createProject(session.accessToken);
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          request(`/api/projects/${project.id}/optimize`, {
            method: "POST",
            token: session.accessToken,
            body: optimizeForm(new Blob([api.kws]), "kws.tflite"),
          }),
        ),
      );
      const statuses = answers.map((r) => r.status);
      expect(statuses.filter((s) => s === 202)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(15);
      const refused = answers.filter((r) => r.status === 429);
      for (const r of refused) {
        const { error } = (await r.json()) as { error: { code: string; message: string } };
        expect(error.code).toBe("QUOTA_EXCEEDED");
        expect(error.message).toMatch(/monthly quota used up: the Free tier allows 5 optimizations a month/);
        expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
      }
      const subscription = await trpc(caller).subscription.get();
      expect(subscription.usage).toMatchObject({ optimizations: 5, remaining: 0 });
      expect(await trpc(caller).jobs.list({ projectId: project.id })).toHaveLength(5);
      // Refused submissions left no blobs behind: one model per accepted job.
      expect(await blobsOf(caller.organizationId)).toHaveLength(5);
      const metrics = await api.cp.metrics.registry.metrics();
      expect(metrics).toMatch(/tinyml_quota_rejections_total\{tier="free"\} ([1-9]\d*)/);
    });

    it("when Temporal is unreachable: 503 with a clear message, no job, no quota taken, nothing stored", async () => {
      const { session, caller } = await signup("Ned");
      const project = await createProject(session.accessToken);
      const offline = await createControlPlane(
        configFor({ TEMPORAL_ADDRESS: "127.0.0.1:1", TEMPORAL_TIMEOUT_MS: "2000" }),
      );
      try {
        const res = await offline.app.request(`/api/projects/${project.id}/optimize`, {
          method: "POST",
          headers: { authorization: `Bearer ${session.accessToken}` },
          body: optimizeForm(new Blob([api.kws]), "kws.tflite"),
        });
        expect(res.status).toBe(503);
        expect(res.headers.get("retry-after")).toBe("30");
        const { error } = (await res.json()) as { error: { code: string; message: string } };
        expect(error.code).toBe("UNAVAILABLE");
        expect(error.message).toMatch(
          /^the job was not started: the orchestrator \(Temporal at 127\.0\.0\.1:1\) is unreachable: .*Nothing was stored and no quota was used; retry later$/,
        );
      } finally {
        await offline.close();
      }
      expect(await trpc(caller).jobs.list({ projectId: project.id })).toEqual([]);
      expect((await trpc(caller).subscription.get()).usage.optimizations).toBe(0);
      expect((await trpc(caller).projects.get({ id: project.id })).models).toBe(0);
      expect(await blobsOf(caller.organizationId)).toEqual([]);
    });

    it("upgrades: admins change the tier with an audit event; Enterprise only by an operator", async () => {
      const owner = await signup("Oz");
      const member = await memberOf(owner.caller, "member", "Pat");
      // An operator: a verified account granted operator rights on the server (admin.js grant-operator).
      const operatorUser = await signup("Operator");
      await trpc().auth.verifyEmail({ token: tokenIn(await api.inbox.take(operatorUser.email)) });
      await api.cp.services.operators.setOperator(null, { email: operatorUser.email, isOperator: true });
      await trpc(owner.caller).orgs.addMember({ email: operatorUser.email, role: "admin" });
      const operator = await api.cp.services.auth.authenticate(
        (
          await trpc().auth.login({
            email: operatorUser.email,
            password: operatorUser.password,
            organizationId: owner.caller.organizationId,
          })
        ).accessToken,
      );

      await expect(trpc(member.caller).subscription.upgrade({ tier: "pro" })).rejects.toMatchObject({
        code: "FORBIDDEN",
      });
      await expect(trpc(owner.caller).subscription.upgrade({ tier: "enterprise" })).rejects.toThrow(
        /set by an operator/,
      );
      expect((await trpc(owner.caller).subscription.upgrade({ tier: "pro" })).limits).toMatchObject({
        monthlyOptimizations: 200,
        nas: true,
      });
      expect(operator?.isOperator).toBe(true);
      expect((await trpc(operator).subscription.upgrade({ tier: "enterprise" })).usage.remaining).toBeNull();
      const em = api.cp.orm.em.fork();
      const events = await em
        .getConnection()
        .execute("select details from audit_events where organization_id = ? and action = ? order by created_at", [
          owner.caller.organizationId,
          "subscription.change",
        ]);
      const details = events.map((e: { details: unknown }) =>
        typeof e.details === "string" ? JSON.parse(e.details) : e.details,
      );
      expect(details).toEqual([
        { from: "free", to: "pro" },
        { from: "pro", to: "enterprise" },
      ]);
    });
  });
});
