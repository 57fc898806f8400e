/**
 * A second publish of versions the registry already has must not go through: the repository's
 * publish step (`pnpm release`) must publish nothing, and a direct `npm publish` of the same
 * tarball must be refused by the registry. Says clearly which of the two happened.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { run, runWithLog } from "../lib/run.mjs";
import { packument } from "./registry-checks.mjs";

const LABEL = "release:rehearse";

/** The registry's versions of every package in `packages`, as `{ name: [versions] }`. */
async function registryVersions(registryUrl, packages) {
  const entries = [];
  for (const { manifest } of packages) {
    const doc = await packument(registryUrl, manifest.name);
    entries.push([manifest.name, Object.keys(doc?.versions ?? {}).sort()]);
  }
  return Object.fromEntries(entries);
}

/**
 * Runs `pnpm release` again in `clone` and `npm publish`es @backprop/optimizers' packed tarball
 * once more; returns the failure messages (none when both second publishes were turned away).
 */
export async function refusedRepublish(clone, env, registryUrl, packages, versions) {
  const failures = [];
  const before = await registryVersions(registryUrl, packages);
  const output = runWithLog(LABEL, "pnpm", ["release"], clone, env);
  const after = await registryVersions(registryUrl, packages);
  if (JSON.stringify(after) !== JSON.stringify(before)) {
    failures.push(
      `a second \`pnpm release\` changed the registry: ${JSON.stringify(before)} → ${JSON.stringify(after)}`,
    );
  } else {
    const skipped = output.split("\n").filter((line) => /already published|no unpublished/i.test(line));
    console.log(
      `second \`pnpm release\`: nothing published (${skipped.length} already-published notices from changesets)`,
    );
  }

  const target = packages.find(({ manifest }) => manifest.name === "@backprop/optimizers");
  const name = target.manifest.name;
  const version = versions[name];
  const dir = join(clone, "..", "republish");
  mkdirSync(dir, { recursive: true });
  const tgz = run(LABEL, "pnpm", ["pack", "--pack-destination", dir], target.dir)
    .trim()
    .split("\n")
    .pop()
    .trim();
  try {
    execFileSync("npm", ["publish", tgz, "--access", "public", "--registry", registryUrl], {
      cwd: dir,
      env,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    failures.push(
      `the registry ACCEPTED a second publish of ${name}@${version}: published versions can be overwritten`,
    );
  } catch (error) {
    const text = `${error.stdout ?? ""}${error.stderr ?? ""}`;
    const reason = text
      .split("\n")
      .find((line) => /E40[39]|cannot publish over|previously published|already present/i.test(line));
    if (reason === undefined) {
      failures.push(
        `npm publish of ${name}@${version} failed, but not because the version exists:\n${text.trim()}`,
      );
    } else {
      console.log(
        `second publish of ${name}@${version} refused by the registry, as it must be: ${reason.trim()}`,
      );
    }
  }
  return failures;
}
