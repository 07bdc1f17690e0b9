import type { MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/knex";
import { secretHash } from "../auth/secrets.js";
import { MembershipSchema, RefreshTokenSchema, UserSchema } from "../db/entities/index.js";
import { AppError, forbidden, unauthorized } from "../errors.js";
import { recordAudit } from "./audit.js";
import { type IssueSession, personalOrganization, type Session } from "./sessions.js";

/** Refresh-token rotation and sign-out. */
export function createRefreshTokenService(deps: { orm: MikroORM; issueSession: IssueSession }) {
  const { issueSession } = deps;
  const fork = () => deps.orm.em.fork() as EntityManager;
  return {
    /**
     * Rotates a refresh token: the presented one is spent and a new one of the same family is issued.
     * Presenting a spent token revokes its whole family (someone holds a copy), committed before refusing.
     */
    async refresh(refreshToken: string, organizationId?: string): Promise<Session> {
      const em = fork();
      const row = await em.findOne(RefreshTokenSchema, { tokenHash: secretHash(refreshToken) });
      if (!row || row.revokedAt || row.expiresAt.getTime() < Date.now()) {
        throw unauthorized("the refresh token is invalid or expired: sign in again");
      }
      const reuse = async () => {
        const fresh = fork();
        await fresh.nativeUpdate(
          RefreshTokenSchema,
          { familyId: row.familyId, revokedAt: null },
          { revokedAt: new Date() },
        );
        recordAudit(fresh, {
          actorUserId: row.userId,
          action: "auth.refresh_reuse",
          details: { familyId: row.familyId },
        });
        await fresh.flush();
        return new AppError("UNAUTHORIZED", "the refresh token was already used: every session of it is revoked");
      };
      if (row.usedAt) throw await reuse();
      const session = await em.transactional(async (tx) => {
        // Conditional update: of two concurrent uses of one token, only one spends it, and none once a password
        // change or reset revoked it meanwhile.
        const spent = await tx.nativeUpdate(
          RefreshTokenSchema,
          { id: row.id, usedAt: null, revokedAt: null },
          { usedAt: new Date() },
        );
        if (spent !== 1) return null;
        const user = await tx.findOneOrFail(UserSchema, { id: row.userId });
        let org = organizationId;
        if (org) {
          if (!(await tx.findOne(MembershipSchema, { userId: user.id, organizationId: org }))) {
            throw forbidden("you are not a member of that organization");
          }
        } else {
          org = await personalOrganization(tx, user.id);
        }
        return issueSession(tx, user, org, row.familyId);
      });
      if (!session) throw await reuse();
      return session;
    },

    async logout(refreshToken: string): Promise<void> {
      const em = fork();
      const row = await em.findOne(RefreshTokenSchema, { tokenHash: secretHash(refreshToken) });
      if (row) await em.nativeUpdate(RefreshTokenSchema, { familyId: row.familyId }, { revokedAt: new Date() });
    },
  };
}
