/**
 * `pnpm run docs`: builds the static docs site into docs-site/dist — the API reference of every public
 * package from its doc comments (TypeDoc; an export without a doc comment, or a `{@link}` to
 * nothing, fails the build), the guide from the notes' formulas to the functions implementing
 * them, the CLI reference generated from the commander program, BENCHMARKS.md, and the playground
 * when apps/playground/dist exists.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Application, Converter, ReflectionKind } from "typedoc";
import { createProgram } from "../../apps/trainer/src/index.js";
import { cliReference } from "./cli-reference.js";
import { docEntryPoints } from "./entry-points.js";
import { copyPlayground, playgroundDist, playgroundLine } from "./playground.js";

const site = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const root = resolve(site, "..");
const out = join(site, "dist");
const pages = join(site, ".generated");

rmSync(pages, { recursive: true, force: true });
mkdirSync(pages, { recursive: true });
const playground = playgroundDist(root);
writeFileSync(
  join(pages, "index.md"),
  readFileSync(join(site, "index.md"), "utf8").replace("<!-- playground -->", playgroundLine(playground)),
);
copyFileSync(join(site, "guide.md"), join(pages, "guide.md"));
writeFileSync(
  join(pages, "benchmarks.md"),
  `---\ntitle: Benchmarks\n---\n\n${readFileSync(join(root, "BENCHMARKS.md"), "utf8")}`,
);
const sink = { write: () => true };
writeFileSync(join(pages, "cli.md"), cliReference(createProgram({ stdout: sink, stderr: sink }, () => {})));

const entryPoints = docEntryPoints(root);
const packageNames = [...new Set(entryPoints.map((e) => e.specifier.split("/").slice(0, 2).join("/")))];
const app = await Application.bootstrapWithPlugins({
  name: "backprop",
  tsconfig: join(site, "typedoc.tsconfig.json"),
  entryPoints: entryPoints.map((e) => e.file),
  out,
  readme: join(pages, "index.md"),
  projectDocuments: ["guide.md", "cli.md", "benchmarks.md"].map((f) => join(pages, f)),
  excludePrivate: true,
  excludeInternal: true,
  excludeProtected: true,
  sort: ["kind", "alphabetical"],
  validation: { notExported: false, notDocumented: true, invalidLink: true, rewrittenLink: true },
  // A public export (function, class, interface, type, constant) must carry a doc comment.
  requiredToBeDocumented: ["Enum", "Variable", "Function", "Class", "Interface", "TypeAlias"],
  packagesRequiringDocumentation: packageNames,
  treatValidationWarningsAsErrors: true,
  githubPages: true,
  logLevel: "Warn",
});

// Modules are named as users import them (`@backprop/data/node`), not by their path in the repo.
const specifierOf = new Map(entryPoints.map((e) => [e.defaultName, e.specifier]));
app.converter.on(Converter.EVENT_CREATE_DECLARATION, (_context, reflection) => {
  if (reflection.kindOf(ReflectionKind.Module))
    reflection.name = specifierOf.get(reflection.name) ?? reflection.name;
});

const project = await app.convert();
if (project === undefined) {
  console.error("docs: TypeDoc could not convert the packages (see the errors above)");
  process.exit(1);
}
const warningsBefore = app.logger.warningCount;
app.validate(project);
// As TypeDoc's CLI does with treatValidationWarningsAsErrors: a validation warning fails the build.
if (app.logger.hasErrors() || app.logger.warningCount > warningsBefore) {
  console.error("docs: the API reference has errors (an undocumented export or a broken {@link}; see above)");
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
await app.generateDocs(project, out);
if (app.logger.hasErrors()) process.exit(1);
const withPlayground = copyPlayground(playground, out);
console.log(
  `docs: ${out} (${entryPoints.length} entry points of ${packageNames.length} packages${withPlayground ? ", playground" : ", no playground built"})`,
);
