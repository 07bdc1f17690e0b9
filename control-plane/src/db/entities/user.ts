import { EntitySchema } from "@mikro-orm/core";

export interface User {
  id: string;
  email: string;
  /** argon2id PHC string. */
  passwordHash: string;
  name: string;
  /** Operators run the service: they may set the Enterprise tier and grant operator rights. */
  isOperator: boolean;
  /** The address `email` was proven to receive mail (a verification token sent to it came back). */
  emailVerified: boolean;
  /**
   * Bumped when the password changes or is reset: access tokens carry the generation they were issued in and
   * stop authenticating once it moves on (refresh tokens are revoked in the same transaction).
   */
  sessionGeneration: number;
  createdAt: Date;
  updatedAt: Date;
}

export const UserSchema = new EntitySchema<User>({
  name: "User",
  tableName: "users",
  properties: {
    id: { type: "uuid", primary: true },
    email: { type: "string", length: 320, unique: true },
    passwordHash: { type: "string", length: 255 },
    name: { type: "string", length: 200 },
    isOperator: { type: "boolean", default: false },
    emailVerified: { type: "boolean", default: false },
    sessionGeneration: { type: "integer", default: 0 },
    createdAt: { type: "datetime" },
    updatedAt: { type: "datetime" },
  },
});
