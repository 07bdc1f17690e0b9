import type { MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/knex";
import type { Caller } from "./caller.js";
import { FINAL_STATUSES, findJobOf, type JobView, jobView } from "./job-view.js";

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((done) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      done();
    });
  });

export interface WatchOptions {
  intervalMs?: number;
  signal?: AbortSignal | undefined;
}

/**
 * Follows a job by reading its row every `intervalMs` (the rows the control-plane activities write): yields
 * `first` and then the view each time its status, stage, progress or message changes, until a final status
 * or `signal` aborts.
 */
export async function* followJob(
  orm: MikroORM,
  caller: Caller,
  first: JobView,
  options: WatchOptions,
): AsyncGenerator<JobView> {
  const interval = options.intervalMs ?? 1000;
  let last = "";
  let job = first;
  while (!options.signal?.aborted) {
    const key = `${job.status}/${job.stage}/${job.progress}/${job.message ?? ""}`;
    if (key !== last) {
      last = key;
      yield job;
    }
    if (FINAL_STATUSES.has(job.status)) return;
    await sleep(interval, options.signal);
    if (options.signal?.aborted) return;
    job = jobView(await findJobOf(orm.em.fork() as EntityManager, caller, first.id));
  }
}
