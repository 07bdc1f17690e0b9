import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";
import { PACKAGE_RULES, type PackageRule, PUBLIC_ENTRIES } from "./rules.js";

export interface Violation {
  file: string;
  line: number;
  specifier: string;
  rule:
    | "deep-import"
    | "not-allowed"
    | "runtime-import-of-types-only"
    | "forbidden-external"
    | "external-not-allowed"
    | "escapes-package";
  message: string;
}

interface ImportSite {
  specifier: string;
  line: number;
  /** Erased at compile time: `import type`, `export type … from`, `import("x").T` in a type position. */
  typeOnly: boolean;
}

/**
 * Every module a file imports, with whether the import is erased. Under `verbatimModuleSyntax` only a
 * whole-clause `import type` is erased: `import { type A } from "x"` still leaves `import "x"` in the
 * output, so it counts as a runtime import.
 */
export function importSites(fileName: string, text: string): ImportSite[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const sites: ImportSite[] = [];
  const add = (node: ts.Node, specifier: ts.Expression | undefined, typeOnly: boolean) => {
    if (specifier && ts.isStringLiteralLike(specifier)) {
      const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      sites.push({ specifier: specifier.text, line, typeOnly });
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      add(node, node.moduleSpecifier, node.importClause?.isTypeOnly ?? false);
    } else if (ts.isExportDeclaration(node)) {
      add(node, node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg)) add(node, arg.literal as ts.Expression, true);
    } else if (ts.isCallExpression(node)) {
      const isDynamicImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === "require";
      if ((isDynamicImport || isRequire) && node.arguments.length === 1) add(node, node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return sites;
}

const SOURCE_FILE = /\.(m|c)?(t|j)sx?$/;
const SKIPPED_DIRS = new Set(["node_modules", "dist", "coverage", ".turbo"]);
const isTestFile = (path: string) => /\.test\.(m|c)?(t|j)sx?$/.test(path) || path.split(sep).includes("planted");

function listSources(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    if (SKIPPED_DIRS.has(name) || name.startsWith(".")) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listSources(path);
    return SOURCE_FILE.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

const packageNameOf = (specifier: string): string => {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] as string);
};

/** The extra external modules `rule.externalIn` allows in the folder of `file`. */
function externalAllowedIn(pkgDir: string, file: string, rule: PackageRule): RegExp[] {
  const inSrc = relative(join(pkgDir, "src"), file).split(sep);
  return Object.entries(rule.externalIn ?? {}).flatMap(([dir, allowed]) =>
    dir.split("/").every((part, i) => inSrc[i] === part) && inSrc.length > dir.split("/").length ? allowed : [],
  );
}

/** A package's source files (src/ and bin/, tests included; no build output, dependencies or declarations). */
export function packageSources(root: string, rule: PackageRule): string[] {
  const pkgDir = resolve(root, rule.dir);
  return [...listSources(join(pkgDir, "src")), ...listSources(join(pkgDir, "bin"))];
}

/** Checks one package's files against its rule. */
function checkPackage(root: string, rule: PackageRule): Violation[] {
  const pkgDir = resolve(root, rule.dir);
  const files = packageSources(root, rule);
  const violations: Violation[] = [];
  for (const file of files) {
    const rel = relative(root, file);
    const test = isTestFile(file);
    for (const site of importSites(file, readFileSync(file, "utf8"))) {
      const v = (rule: Violation["rule"], message: string) =>
        violations.push({ file: rel, line: site.line, specifier: site.specifier, rule, message });
      const spec = site.specifier;
      if (spec.startsWith(".")) {
        const target = resolve(dirname(file), spec);
        if (target !== pkgDir && !target.startsWith(pkgDir + sep)) {
          v("escapes-package", `relative import leaves ${rule.dir}/: import the other package by its public entry`);
        }
        continue;
      }
      if (spec.startsWith("@tinyml/")) {
        const pkg = packageNameOf(spec);
        if (pkg === rule.name) {
          v("not-allowed", `${rule.name} imports itself by name: use a relative import`);
        } else if (!PUBLIC_ENTRIES.has(spec)) {
          v("deep-import", `deep import into ${pkg}: only its public entry may be imported`);
        } else if (rule.mayImport.includes(spec)) {
          // allowed
        } else if (rule.mayImportTypes?.includes(spec)) {
          if (!site.typeOnly) {
            v("runtime-import-of-types-only", `${rule.name} may import ${spec} with \`import type\` only`);
          }
        } else {
          v("not-allowed", `${rule.name} may not import ${spec} (see the "may import" column of ARCHITECTURE.md)`);
        }
        continue;
      }
      if (test || site.typeOnly) continue;
      if (rule.forbidden?.some((re) => re.test(spec))) {
        v(
          "forbidden-external",
          `${rule.name} may not import ${spec}: it must stay free of Temporal, ORM, database and HTTP code`,
        );
      } else if (!rule.onlyExternal || externalAllowedIn(pkgDir, file, rule).some((re) => re.test(spec))) {
        // allowed: no list of externals, or one its folder may use
      } else if (!spec.startsWith("node:") && !rule.onlyExternal.some((re) => re.test(spec))) {
        v("external-not-allowed", `${rule.name} may import only ${rule.onlyExternal.map((r) => r.source).join(", ")}`);
      } else if (spec.startsWith("node:")) {
        v("external-not-allowed", `${rule.name} runs in the deterministic workflow sandbox: no Node.js built-ins`);
      }
    }
  }
  return violations;
}

/** Checks every package under `root` against the rules; returns all violations, sorted by file and line. */
export function checkBoundaries(root: string, rules: PackageRule[] = PACKAGE_RULES): Violation[] {
  return rules
    .flatMap((rule) => checkPackage(root, rule))
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}
