/**
 * Checks run in a consumer project where the packages are installed (from tarballs or from a
 * registry): every entry point imports as ESM and requires as CJS, and a consumer type-checks.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "./run.mjs";

/**
 * Writes smoke.mjs (`import * as` every entry point) and smoke.cjs (`require` each) into `consumer`
 * and runs both; an entry point with no exports fails. Returns the failure messages.
 */
export function smokeImports(label, consumer, specs) {
  const esm = specs
    .map(
      (spec, i) =>
        `import * as m${i} from ${JSON.stringify(spec)};\nif (Object.keys(m${i}).length === 0) throw new Error("${spec}: ESM import has no exports");`,
    )
    .join("\n");
  writeFileSync(
    join(consumer, "smoke.mjs"),
    `${esm}\nconsole.log("esm ok: ${specs.length} entry points");\n`,
  );
  const cjs = specs
    .map(
      (spec) =>
        `if (Object.keys(require(${JSON.stringify(spec)})).length === 0) throw new Error("${spec}: require() has no exports");`,
    )
    .join("\n");
  writeFileSync(
    join(consumer, "smoke.cjs"),
    `${cjs}\nconsole.log("cjs ok: ${specs.length} entry points");\n`,
  );
  const failures = [];
  for (const file of ["smoke.mjs", "smoke.cjs"]) {
    try {
      console.log(run(label, "node", [file], consumer).trim());
    } catch (error) {
      failures.push(error.message);
    }
  }
  return failures;
}

/** The per-package consumer snippets in scripts/release-check/consumers (`<package>.ts` each). */
export function consumerSnippets(root, only) {
  const dir = join(root, "scripts", "release-check", "consumers");
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".ts")) : [];
  return files
    .map((file) => ({ file: join(dir, file), packageName: `@backprop/${file.replace(/\.ts$/, "")}` }))
    .filter(({ packageName }) => !only || only.includes(packageName));
}

const RESOLUTIONS = {
  bundler: ["--module", "esnext", "--moduleResolution", "bundler"],
  node16: ["--module", "node16", "--moduleResolution", "node16"],
};

/**
 * The peer dependencies of `manifests` that are not among them (e.g. vitest for
 * `@backprop/gradcheck/vitest`), as `{ name: version }`: the root's pinned devDependency when it has
 * one (already in the local caches), else the peer range. A consumer installs them to type-check.
 */
export function externalPeers(manifests, rootDevDependencies) {
  const names = new Set(manifests.map((m) => m.name));
  const peers = {};
  for (const manifest of manifests) {
    for (const [peer, range] of Object.entries(manifest.peerDependencies ?? {})) {
      if (!names.has(peer)) peers[peer] = rootDevDependencies[peer] ?? range;
    }
  }
  return peers;
}

/**
 * Type-checks a consumer in `consumer` with `tsc`: a namespace import of every entry point plus the
 * given snippets, under each of `resolutions` (bundler and node16 unless given), against the
 * installed packages' own types. Returns the failure messages.
 */
export function typeCheckConsumer(
  label,
  consumer,
  tsc,
  specs,
  snippets,
  resolutions = ["bundler", "node16"],
) {
  const typed = specs.map(
    (spec, i) =>
      `import type * as t${i} from ${JSON.stringify(spec)};\nexport type T${i} = keyof typeof t${i};`,
  );
  writeFileSync(join(consumer, "consumer.mts"), typed.join("\n"));
  const files = ["consumer.mts"];
  for (const { file, packageName } of snippets) {
    const target = `snippet-${packageName.split("/").pop()}.mts`;
    writeFileSync(join(consumer, target), readFileSync(file, "utf8"));
    files.push(target);
  }
  const common = ["--noEmit", "--strict", "--target", "es2022", "--types", "node", "--skipLibCheck", "false"];
  const failures = [];
  for (const resolution of resolutions) {
    try {
      run(label, tsc, [...common, ...RESOLUTIONS[resolution], ...files], consumer);
      console.log(`types ok (${resolution} resolution)`);
    } catch (error) {
      failures.push(`type-check with ${resolution} resolution:\n${error.message}`);
    }
  }
  return failures;
}
