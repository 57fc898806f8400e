#!/usr/bin/env node
/**
 * release:rehearse — the release pipeline run end to end against a real registry on 127.0.0.1.
 * In a scratch clone of HEAD: release 1 versions the pending changesets with the repository's own
 * version step (`pnpm version-packages`) and publishes every public package with its own publish
 * step (`pnpm release`) to a throw-away Verdaccio; release 2 adds a changeset touching only
 * @backprop/optimizers and does the same. Then it asserts what the pipeline promises: only
 * optimizers and its dependents were bumped (by .changeset/config.json's rules), their changelogs
 * were written, no manifest the registry serves keeps a `workspace:` range, every published
 * tarball has the files `pnpm pack` gives, and publishing the same versions again is refused. Then,
 * as a user (npm and pnpm): install @backprop/trainer, `backprop train --epochs 1`, import, require
 * and type-check every package. The registry is stopped at the end, also on failure; the scratch
 * folder is removed on success and kept (its path printed) on failure.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { publicPackages, workspacePackages } from "../lib/public-packages.mjs";
import { readJson, run, runWithLog } from "../lib/run.mjs";
import { expectedReleases } from "./expected-bumps.mjs";
import { checkPublished } from "./registry-checks.mjs";
import { refusedRepublish } from "./republish.mjs";
import { cloneHead, commitAll } from "./scratch-clone.mjs";
import { checkAsUser } from "./user-project.mjs";
import { startRegistry } from "./verdaccio.mjs";
import { checkChangelogs, checkVersionStep } from "./version-checks.mjs";

const LABEL = "release:rehearse";
const CHANGED = "@backprop/optimizers";
// A minor bump of a 0.x package leaves its dependents' `^0.x` ranges, so they must be released too.
const BUMP = "minor";
const SUMMARY = "Rehearsal: a change to @backprop/optimizers only.";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const started = Date.now();
const step = (title) => console.log(`\n▸ ${title} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
const versions = (clone) =>
  Object.fromEntries(workspacePackages(clone).map(({ manifest }) => [manifest.name, manifest.version]));

/** The environment of the version and publish steps: the rehearsal registry only, its token only. */
function releaseEnv(registry, work) {
  const userconfig = join(work, "npmrc");
  writeFileSync(
    userconfig,
    `registry=${registry.url}\n//${new URL(registry.url).host}/:_authToken=${registry.token}\n`,
  );
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^(npm_config_(registry|userconfig|provenance)|npm_token|node_auth_token)$/i.test(key),
    ),
  );
  return {
    ...env,
    npm_config_registry: registry.url,
    npm_config_userconfig: userconfig,
    npm_config_provenance: "false",
    TURBO_TELEMETRY_DISABLED: "1",
    // The source checkout's turbo cache: a package whose inputs did not change is not rebuilt.
    TURBO_CACHE_DIR: join(root, ".turbo", "cache"),
  };
}

/** One release: the version step (when changesets are pending), a commit, the publish step. */
function release(clone, env, title) {
  const pending = readdirSync(join(clone, ".changeset")).filter(
    (f) => f.endsWith(".md") && f !== "README.md",
  );
  if (pending.length > 0) {
    step(`${title}: pnpm version-packages (${pending.length} changesets)`);
    run(LABEL, "pnpm", ["version-packages"], clone, env);
    commitAll(clone, "chore: version packages");
  }
  step(`${title}: pnpm release (build, changeset publish)`);
  return runWithLog(LABEL, "pnpm", ["release"], clone, env);
}

const work = mkdtempSync(join(tmpdir(), "backprop-release-rehearse-"));
const failures = [];
let registry;
try {
  step("scratch clone of HEAD, pnpm install");
  const clone = cloneHead(root, work);
  const config = readJson(join(clone, ".changeset", "config.json"));
  const rootManifest = readJson(join(clone, "package.json"));

  step("Verdaccio on 127.0.0.1");
  mkdirSync(join(work, "registry"));
  registry = await startRegistry(
    join(root, "node_modules", "verdaccio", "bin", "verdaccio"),
    join(work, "registry"),
  );
  console.log(`registry: ${registry.url} (storage in ${join(work, "registry")})`);
  const env = releaseEnv(registry, work);

  release(clone, env, "release 1 (the pending changesets)");
  const before = versions(clone);
  failures.push(...(await checkPublished(registry.url, publicPackages(clone), join(work, "release-1"))));

  writeFileSync(
    join(clone, ".changeset", "rehearsal-optimizers.md"),
    `---\n"${CHANGED}": ${BUMP}\n---\n\n${SUMMARY}\n`,
  );
  commitAll(clone, "optimizers: rehearsal change");
  const manifests = workspacePackages(clone).map(({ manifest }) => manifest);
  const expected = expectedReleases(manifests, { [CHANGED]: BUMP }, config);
  const published = release(clone, env, "release 2 (a changeset touching only @backprop/optimizers)");
  const after = versions(clone);
  const publicNow = publicPackages(clone);
  const bumped = Object.keys(after)
    .filter((name) => after[name] !== before[name])
    .sort();
  failures.push(
    ...(await checkVersionStep({ registryUrl: registry.url, packages: publicNow, before, after, expected })),
    ...checkChangelogs(publicNow, bumped, { [CHANGED]: SUMMARY }),
  );
  const unannounced = bumped.filter((name) => !published.includes(`${name}@${after[name]}`));
  if (unannounced.length > 0) {
    failures.push(
      `release 2's publish step did not report publishing ${unannounced.join(", ")}:\n${published}`,
    );
  }
  failures.push(
    ...(await checkPublished(
      registry.url,
      publicNow.filter(({ manifest }) => bumped.includes(manifest.name)),
      join(work, "release-2"),
    )),
  );

  step("publishing the same versions again");
  failures.push(...(await refusedRepublish(clone, env, registry.url, publicNow, after)));

  for (const client of ["npm", "pnpm"]) {
    step(`a user's fresh project with ${client}`);
    failures.push(
      ...checkAsUser(client, join(work, `user-${client}`), registry.url, publicNow, root, rootManifest),
    );
  }
} catch (error) {
  failures.push(
    error.cause === undefined ? error.message : `${error.message}: ${error.cause.message ?? error.cause}`,
  );
} finally {
  await registry?.stop();
}

const seconds = ((Date.now() - started) / 1000).toFixed(0);
if (failures.length > 0) {
  console.error(
    `\nrelease:rehearse FAILED after ${seconds} s — ${failures.length} problem(s); scratch folder kept at ${work}\n`,
  );
  for (const f of failures) console.error(`- ${f}\n`);
  process.exit(1);
}
rmSync(work, { recursive: true, force: true });
console.log(
  `\nrelease:rehearse passed in ${seconds} s: two releases published to a local registry and installed as a user.`,
);
