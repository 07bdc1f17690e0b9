export { createTinymlClient, type TinymlClient } from "./client.js";
export {
  type ClientErrorCode,
  describeError,
  exitCodeOf,
  isServiceErrorCode,
  SERVICE_ERROR_CODES,
  TinymlApiError,
  TinymlConnectionError,
  type TinymlErrorCode,
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
