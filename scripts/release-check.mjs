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
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const run = (cmd, args, cwd) => {
  try {
    return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const out = `${error.stdout ?? ""}${error.stderr ?? ""}`.trim();
    throw new Error(`release:check: \`${cmd.split("/").pop()} ${args.join(" ")}\` failed in ${cwd}\n${out}`);
  }
};
const readJson = (file) => JSON.parse(readFileSync(file, "utf8"));

const only = process.env.RELEASE_CHECK_ONLY?.split(",");
const packages = ["packages", "apps"]
  .flatMap((dir) => readdirSync(join(root, dir)).map((name) => join(root, dir, name)))
  .filter((dir) => existsSync(join(dir, "package.json")))
  .map((dir) => ({ dir, manifest: readJson(join(dir, "package.json")) }))
  .filter(({ manifest }) => manifest.private !== true && (!only || only.includes(manifest.name)));

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
const peers = {};
for (const { manifest } of packed) {
  for (const peer of Object.keys(manifest.peerDependencies ?? {})) {
    if (!(peer in fileSpecs)) peers[peer] = manifest.peerDependencies[peer];
  }
}
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
const entryPoints = packed.flatMap(({ name, manifest }) =>
  Object.keys(manifest.exports ?? { ".": null })
    .filter((key) => key !== "./package.json")
    .map((key) => (key === "." ? name : `${name}/${key.slice(2)}`)),
);
const esm = entryPoints
  .map(
    (spec, i) =>
      `import * as m${i} from ${JSON.stringify(spec)};\nif (Object.keys(m${i}).length === 0) throw new Error("${spec}: ESM import has no exports");`,
  )
  .join("\n");
writeFileSync(
  join(consumer, "smoke.mjs"),
  `${esm}\nconsole.log("esm ok: ${entryPoints.length} entry points");\n`,
);
const cjs = entryPoints
  .map(
    (spec) =>
      `if (Object.keys(require(${JSON.stringify(spec)})).length === 0) throw new Error("${spec}: require() has no exports");`,
  )
  .join("\n");
writeFileSync(
  join(consumer, "smoke.cjs"),
  `${cjs}\nconsole.log("cjs ok: ${entryPoints.length} entry points");\n`,
);
for (const file of ["smoke.mjs", "smoke.cjs"]) {
  try {
    console.log(run("node", [file], consumer).trim());
  } catch (error) {
    failures.push(error.message);
  }
}

// Every command a package installs (`bin`) must start from the installed tarball: `<bin> --help`.
for (const { name, manifest } of packed) {
  for (const command of Object.keys(
    typeof manifest.bin === "string" ? { [name.split("/").pop()]: 1 } : (manifest.bin ?? {}),
  )) {
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
const snippets = join(root, "scripts", "release-check", "consumers");
const typed = entryPoints.map(
  (spec, i) =>
    `import type * as t${i} from ${JSON.stringify(spec)};\nexport type T${i} = keyof typeof t${i};`,
);
const snippetPackage = (file) => `@backprop/${file.replace(/\.ts$/, "")}`;
const snippetFiles = (
  existsSync(snippets) ? readdirSync(snippets).filter((f) => f.endsWith(".ts")) : []
).filter((f) => !only || only.includes(snippetPackage(f)));
for (const f of snippetFiles) {
  if (!(snippetPackage(f) in fileSpecs))
    failures.push(`consumer snippet ${f} names ${snippetPackage(f)}, which is not a public package`);
}
writeFileSync(join(consumer, "consumer.mts"), typed.join("\n"));
const consumerFiles = ["consumer.mts"];
for (const f of snippetFiles) {
  const target = `snippet-${f.replace(/\.ts$/, ".mts")}`;
  writeFileSync(join(consumer, target), readFileSync(join(snippets, f), "utf8"));
  consumerFiles.push(target);
}
const tsc = bin("tsc");
const common = ["--noEmit", "--strict", "--target", "es2022", "--types", "node", "--skipLibCheck", "false"];
for (const [label, args] of [
  ["bundler", ["--module", "esnext", "--moduleResolution", "bundler"]],
  ["node16", ["--module", "node16", "--moduleResolution", "node16"]],
]) {
  try {
    run(tsc, [...common, ...args, ...consumerFiles], consumer);
    console.log(`types ok (${label} resolution)`);
  } catch (error) {
    failures.push(`type-check with ${label} resolution:\n${error.message}`);
  }
}

if (failures.length > 0) {
  console.error(`\nrelease:check FAILED — ${failures.length} problem(s); scratch project kept at ${work}\n`);
  for (const f of failures) console.error(`- ${f}\n`);
  process.exit(1);
}
rmSync(work, { recursive: true, force: true });
console.log(`release:check passed: ${packed.length} packages would publish working.`);
