import { EntitySchema } from "@mikro-orm/core";

export interface User {
  id: string;
  email: string;
  /** argon2id PHC string. */
  passwordHash: string;
  name: string;
  /** Operators run the service: they may set the Enterprise tier. */
  isOperator: boolean;
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
    createdAt: { type: "datetime" },
    updatedAt: { type: "datetime" },
  },
});
