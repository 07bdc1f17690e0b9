export { createTinymlClient, type TinymlClient, type TinymlClientOptions } from "./client.js";
export { TinymlApiError, TinymlConnectionError } from "./errors.js";
