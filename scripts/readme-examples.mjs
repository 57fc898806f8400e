#!/usr/bin/env node
/**
 * Runs the first ```ts block of every package README (packages/* and apps/*), so that "each
 * package's README starts with a runnable example" stays true. Each example runs from a temporary
 * file inside its package with tsx, resolving workspace packages to their sources; a non-zero exit
 * or a thrown error fails the check. Blocks tagged ```ts no-run are skipped.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const tsx = join(root, "node_modules", ".bin", "tsx");
const dirs = ["packages", "apps"].flatMap((d) =>
  readdirSync(join(root, d)).map((name) => join(root, d, name)),
);
const failures = [];
let ran = 0;
for (const dir of dirs) {
  const readme = join(dir, "README.md");
  const manifestPath = join(dir, "package.json");
  if (!existsSync(readme) || !existsSync(manifestPath)) continue;
  if (JSON.parse(readFileSync(manifestPath, "utf8")).private === true) continue;
  const match = /```ts\n([\s\S]*?)```/.exec(readFileSync(readme, "utf8"));
  if (!match) {
    failures.push(`${readme}: no \`\`\`ts example block`);
    continue;
  }
  const file = join(dir, ".readme-example.mts");
  writeFileSync(file, match[1]);
  try {
    execFileSync(tsx, ["--conditions", "@backprop/source", file], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 120_000,
    });
    ran++;
    console.log(`ok   ${readme.slice(root.length + 1)}`);
  } catch (error) {
    failures.push(
      `${readme.slice(root.length + 1)}: the first example failed:\n${error.stderr ?? ""}${error.message}`,
    );
  } finally {
    rmSync(file, { force: true });
  }
}
if (failures.length > 0) {
  for (const f of failures) console.error(`FAIL ${f}`);
  process.exit(1);
}
console.log(`${ran} README examples ran.`);
