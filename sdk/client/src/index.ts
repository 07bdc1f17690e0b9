export { createTinymlClient, type TinymlClient } from "./client.js";
export {
  describeError,
  exitCodeOf,
  TinymlApiError,
  TinymlConnectionError,
  toTinymlError,
} from "./errors.js";
export {
  createTinymlRestClient,
  type JobResults,
  type OptimizeRequest,
  type SubmittedJob,
  type TinymlClientOptions,
  type TinymlRestClient,
} from "./rest-client.js";
