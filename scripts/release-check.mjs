#!/usr/bin/env node
/**
 * release:check — would every public package publish working? For each one: `pnpm pack`, publint
 * and arethetypeswrong on the tarball; then install all tarballs into a fresh project outside the
 * workspace (no workspace links; sibling dependencies resolve to the tarballs), `import` and
 * `require` every entry point, run every installed command with `--help`, and type-check a
 * consumer against the packed types (bundler and node16 resolution). Exits non-zero on the first package that would publish broken.
 * Run after `turbo run build` (the root `release:check` script does both).
 * RELEASE_CHECK_ONLY=@backprop/a,@backprop/b limits the check to those packages.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { consumerSnippets, externalPeers, smokeImports, typeCheckConsumer } from "./lib/consumer-checks.mjs";
import { binCommands, entryPoints, publicPackages } from "./lib/public-packages.mjs";
import { readJson, run as runTool } from "./lib/run.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const run = (cmd, args, cwd) => runTool("release:check", cmd, args, cwd);

const only = process.env.RELEASE_CHECK_ONLY?.split(",");
const packages = publicPackages(root, only);

const work = mkdtempSync(join(tmpdir(), "backprop-release-check-"));
const tarballs = join(work, "tarballs");
mkdirSync(tarballs);
const consumer = join(work, "consumer");
mkdirSync(consumer);

const failures = [];
const packed = [];
for (const { dir, manifest } of packages) {
  const name = manifest.name;
  const output = run("pnpm", ["pack", "--pack-destination", tarballs], dir);
  const tgz = output.trim().split("\n").pop().trim();
  packed.push({ name, tgz, manifest });
  for (const [tool, args] of [
    ["publint", [tgz, "--strict"]],
    ["attw", [tgz, "--profile", "node16", "--format", "table-flipped"]],
  ]) {
    try {
      run(bin(tool), args, dir);
    } catch (error) {
      failures.push(`${name}: ${tool} found problems:\n${error.message}`);
    }
  }
  console.log(`packed ${name} → ${tgz.split("/").pop()}`);
}

// A consumer project that depends on every tarball; overrides point siblings at the tarballs too.
const fileSpecs = Object.fromEntries(packed.map(({ name, tgz }) => [name, `file:${tgz}`]));
const rootDev = readJson(join(root, "package.json")).devDependencies;
const peers = externalPeers(
  packed.map(({ manifest }) => manifest),
  rootDev,
);
writeFileSync(
  join(consumer, "package.json"),
  JSON.stringify(
    {
      name: "backprop-release-check-consumer",
      private: true,
      dependencies: { ...fileSpecs, ...peers, "@types/node": rootDev["@types/node"] },
      overrides: fileSpecs,
    },
    null,
    2,
  ),
);
run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], consumer);

// Every entry point (except ./package.json) must import as ESM and require as CJS.
const specs = entryPoints(packed.map(({ manifest }) => manifest));
failures.push(...smokeImports("release:check", consumer, specs));

// Every command a package installs (`bin`) must start from the installed tarball: `<bin> --help`.
for (const { name, manifest } of packed) {
  for (const command of binCommands(manifest)) {
    try {
      run(join(consumer, "node_modules", ".bin", command), ["--help"], consumer);
      console.log(`bin ok: ${command} --help (${name})`);
    } catch (error) {
      failures.push(`${name}: the installed \`${command}\` command does not start:\n${error.message}`);
    }
  }
}

// Type-check a consumer: the per-package snippets in scripts/release-check/consumers, plus a
// namespace import of every entry point, under bundler and node16 resolution.
const snippets = consumerSnippets(root, only);
for (const { file, packageName } of snippets) {
  if (!(packageName in fileSpecs))
    failures.push(`consumer snippet ${file} names ${packageName}, which is not a public package`);
}
failures.push(...typeCheckConsumer("release:check", consumer, bin("tsc"), specs, snippets));

if (failures.length > 0) {
  console.error(`\nrelease:check FAILED — ${failures.length} problem(s); scratch project kept at ${work}\n`);
  for (const f of failures) console.error(`- ${f}\n`);
  process.exit(1);
}
rmSync(work, { recursive: true, force: true });
console.log(`release:check passed: ${packed.length} packages would publish working.`);
