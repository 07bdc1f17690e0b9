export { checkBoundaries, type Violation } from "./boundaries/check.js";
export { PACKAGE_RULES, type PackageRule } from "./boundaries/rules.js";
export {
  findFreePortRange,
  REPO_ROOT,
  type RunningService,
  type ServiceName,
  startService,
} from "./services/launch.js";
export { type Stack, startStack, TEST_SERVICES_DIR } from "./services/stack.js";
