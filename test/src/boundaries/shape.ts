import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { importSites } from "./check.js";
import { PACKAGE_RULES } from "./rules.js";

/**
 * The shape limits of issue 10, checked on every TypeScript source of the workspace packages (tests included):
 * - a file holds at most MAX_FILE_LOGIC_LINES lines of logic (lines that are neither blank nor comment), unless it
 *   is generated code or a table (`SHAPE_EXEMPT`, each with its reason);
 * - a function's own body spans at most MAX_FUNCTION_LINES lines: the lines of the functions nested in it (the
 *   methods of the object a factory returns, callbacks) count for those functions, not for the one around them;
 * - no import cycle between the files of a package (relative runtime imports; `import type` is erased and cannot
 *   make a cycle at run time, but a cycle of types is a cycle of concepts too, so both count).
 */
const MAX_FILE_LOGIC_LINES = 400;
const MAX_FUNCTION_LINES = 80;

/** Files the line limit does not apply to, with the reason. Paths are relative to the repository root. */
const SHAPE_EXEMPT: Readonly<Record<string, string>> = {};

export interface ShapeProblem {
  file: string;
  line: number;
  rule: "file-too-long" | "function-too-long" | "import-cycle";
  message: string;
}

const SKIPPED_DIRS = new Set(["node_modules", "dist", "coverage", "generated"]);

function listTs(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    if (SKIPPED_DIRS.has(name) || name.startsWith(".")) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listTs(path);
    return /\.(m|c)?ts$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

const isGenerated = (text: string) => /^\s*(\/\/|\/\*|\*)[^\n]*(generated|@generated)/im.test(text.slice(0, 600));

/** Lines that hold code: not blank, not only a comment. */
export function logicLines(source: ts.SourceFile): number {
  const lines = new Set<number>();
  const scan = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, source.text);
  for (let kind = scan.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scan.scan()) {
    if (
      kind === ts.SyntaxKind.WhitespaceTrivia ||
      kind === ts.SyntaxKind.NewLineTrivia ||
      kind === ts.SyntaxKind.SingleLineCommentTrivia ||
      kind === ts.SyntaxKind.MultiLineCommentTrivia
    ) {
      continue;
    }
    const first = source.getLineAndCharacterOfPosition(scan.getTokenStart()).line;
    const last = source.getLineAndCharacterOfPosition(scan.getTokenEnd()).line;
    for (let l = first; l <= last; l++) lines.add(l);
  }
  return lines.size;
}

type FunctionNode = ts.FunctionLikeDeclaration;

const isFunction = (node: ts.Node): node is FunctionNode =>
  (ts.isFunctionDeclaration(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isArrowFunction(node) ||
    ts.isFunctionExpression(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)) &&
  (node as FunctionNode).body !== undefined;

function nameOf(node: FunctionNode, source: ts.SourceFile): string {
  if (node.name) return node.name.getText(source);
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) {
    return parent.name.getText(source);
  }
  return "(anonymous)";
}

/** Every function of a file with its own lines (its span minus the spans of the functions directly inside it). */
export function functionLengths(source: ts.SourceFile): { name: string; line: number; ownLines: number }[] {
  const found: { name: string; line: number; ownLines: number }[] = [];
  const lineOf = (pos: number) => source.getLineAndCharacterOfPosition(pos).line;
  const span = (node: ts.Node) => lineOf(node.getEnd()) - lineOf(node.getStart(source)) + 1;
  const visit = (node: ts.Node, enclosing: { nested: number } | null): void => {
    if (isFunction(node)) {
      const own = { nested: 0 };
      ts.forEachChild(node, (child) => visit(child, own));
      const total = span(node);
      if (enclosing) enclosing.nested += total;
      found.push({ name: nameOf(node, source), line: lineOf(node.getStart(source)) + 1, ownLines: total - own.nested });
      return;
    }
    ts.forEachChild(node, (child) => visit(child, enclosing));
  };
  visit(source, null);
  return found;
}

/** Cycles among relative imports of a set of files (each cycle once, as the files in order). */
function importCycles(files: string[], read: (file: string) => string): string[][] {
  const known = new Set(files);
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const targets = importSites(file, read(file))
      .filter((s) => s.specifier.startsWith("."))
      .map((s) => resolve(dirname(file), s.specifier).replace(/\.js$/, ".ts"))
      .filter((t) => known.has(t));
    edges.set(file, [...new Set(targets)]);
  }
  // Tarjan's strongly connected components: a component of more than one file (or a self-import) is a cycle.
  let index = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (v: string): void => {
    order.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!order.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, order.get(w) as number));
      }
    }
    if (low.get(v) === order.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (edges.get(v) ?? []).includes(v)) cycles.push(component.reverse());
    }
  };
  for (const file of files) if (!order.has(file)) connect(file);
  return cycles;
}

/** Checks the shape limits over every package of the repository at `root`. */
export function checkShape(root: string): ShapeProblem[] {
  const problems: ShapeProblem[] = [];
  for (const rule of PACKAGE_RULES) {
    const pkgDir = resolve(root, rule.dir);
    const files = [...listTs(join(pkgDir, "src")), ...listTs(join(pkgDir, "bin"))];
    const texts = new Map(files.map((f) => [f, readFileSync(f, "utf8")]));
    for (const [file, text] of texts) {
      const rel = relative(root, file);
      if (isGenerated(text)) continue;
      const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
      const logic = logicLines(source);
      if (logic > MAX_FILE_LOGIC_LINES && !(rel in SHAPE_EXEMPT)) {
        problems.push({
          file: rel,
          line: 1,
          rule: "file-too-long",
          message: `${logic} lines of logic (at most ${MAX_FILE_LOGIC_LINES}): split it into one concept a file`,
        });
      }
      for (const fn of functionLengths(source)) {
        if (fn.ownLines > MAX_FUNCTION_LINES) {
          problems.push({
            file: rel,
            line: fn.line,
            rule: "function-too-long",
            message: `${fn.name} spans ${fn.ownLines} lines of its own (at most ${MAX_FUNCTION_LINES}): split it into named stages`,
          });
        }
      }
    }
    for (const cycle of importCycles(files, (f) => texts.get(f) as string)) {
      const names = cycle.map((f) => relative(root, f));
      problems.push({
        file: names[0] as string,
        line: 1,
        rule: "import-cycle",
        message: `import cycle: ${[...names, names[0]].join(" -> ")}`,
      });
    }
  }
  return problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}
