/** The credential of an `Authorization: Bearer <credential>` header; `undefined` when there is none. */
export const bearerOf = (authorization: string | null | undefined): string | undefined =>
  /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1];
