import { hardwareTargets, modelFrameworks, tiers } from "@tinyml/workflows/contracts";
import { publicProcedure, router } from "../trpc/init.js";

export const targetsRouter = router({ list: publicProcedure.query(() => hardwareTargets()) });
export const frameworksRouter = router({ list: publicProcedure.query(() => modelFrameworks()) });
export const tiersRouter = router({ list: publicProcedure.query(() => tiers()) });
