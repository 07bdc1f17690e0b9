import type { AppRouter } from "@tinyml/control-plane";
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, type TRPCClient } from "@trpc/client";
import { EventSource } from "eventsource";
import { refusedSubscriptionsAsErrors } from "./refused-subscription.js";
import { createTinymlRestClient, type TinymlClientOptions, type TinymlRestClient } from "./rest-client.js";

/** The tRPC procedures (`client.projects.list.query()`, …) and the REST helpers (`client.optimize(…)`, …) in one. */
export type TinymlClient = TRPCClient<AppRouter> & TinymlRestClient;

/**
 * The typed client of the control plane's tRPC API at `/trpc` (types only from `@tinyml/control-plane`):
 * queries and mutations are batched over HTTP (at most 10 calls a request), subscriptions (`jobs.progress`) are server-sent events. The API
 * key goes as `Authorization: Bearer …` on both (the SSE stream through the `eventsource` ponyfill, since
 * browsers' EventSource cannot send headers). Errors are `TRPCClientError`s; `toTinymlError` names them.
 * The REST helpers (`health`, `hardwareTargets`, `optimize`, `job`, `results`, `download`; no router has
 * those names) are reached on the same object.
 */
export function createTinymlClient(options: TinymlClientOptions): TinymlClient {
  const url = `${options.url.replace(/\/+$/, "")}/trpc`;
  const doFetch = options.fetch ?? fetch;
  const auth: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  const trpc = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({
          url,
          EventSource,
          eventSourceOptions: () => ({
            fetch: refusedSubscriptionsAsErrors((input, init) => {
              const headers = new Headers(init?.headers);
              for (const [name, value] of Object.entries(auth)) headers.set(name, value);
              return doFetch(input, { ...init, headers });
            }),
          }),
        }),
        // The control plane refuses batches of more calls than TRPC_MAX_BATCH (10): stay within it.
        false: httpBatchLink({ url, fetch: doFetch, headers: () => auth, maxItems: 10 }),
      }),
    ],
  });
  const rest = createTinymlRestClient(options);
  return new Proxy(trpc, {
    get: (target, name, receiver) =>
      Object.hasOwn(rest, name) ? rest[name as keyof TinymlRestClient] : Reflect.get(target, name, receiver),
  }) as TinymlClient;
}
