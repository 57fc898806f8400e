/**
 * What the version step of a release must have done: bumped exactly the packages the changeset
 * config's rules release (and the registry holds exactly the old and new versions), rewritten the
 * dependents' ranges to include the new versions, and written a changelog entry for each bump.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { satisfies } from "./expected-bumps.mjs";
import { packument } from "./registry-checks.mjs";

/**
 * `before` / `after`: `{ name: version }` of the workspace around the release; `expected`:
 * `{ name: newVersion }` from `expectedReleases`. Returns the failure messages.
 */
export async function checkVersionStep({ registryUrl, packages, before, after, expected }) {
  const failures = [];
  const bumped = Object.keys(after).filter((name) => after[name] !== before[name]);
  const got = Object.fromEntries(bumped.sort().map((name) => [name, after[name]]));
  if (JSON.stringify(got) !== JSON.stringify(expected)) {
    failures.push(
      `the version step bumped ${JSON.stringify(got)}; by the changeset config's rules it must bump exactly ${JSON.stringify(expected)}`,
    );
  } else {
    console.log(
      `versions ok: ${bumped.map((n) => `${n} ${before[n]} → ${after[n]}`).join(", ")}; every other package kept its version`,
    );
  }
  for (const { manifest } of packages) {
    const { name } = manifest;
    const doc = await packument(registryUrl, name);
    const onRegistry = Object.keys(doc?.versions ?? {}).sort();
    const wanted = (bumped.includes(name) ? [before[name], after[name]] : [before[name]]).sort();
    if (JSON.stringify(onRegistry) !== JSON.stringify(wanted)) {
      failures.push(
        `${name}: the registry has ${JSON.stringify(onRegistry)}, expected ${JSON.stringify(wanted)}`,
      );
    }
    if (!bumped.includes(name)) continue;
    for (const [dep, range] of Object.entries(doc?.versions?.[after[name]]?.dependencies ?? {})) {
      if (bumped.includes(dep) && !satisfies(after[dep], range)) {
        failures.push(
          `${name}@${after[name]} is published depending on ${dep}@${range}, which excludes the new ${after[dep]}`,
        );
      }
    }
  }
  return failures;
}

/**
 * Each bumped package's CHANGELOG.md has a section for its new version that carries the
 * changeset's summary (`summaries[name]`) or, for a dependent, "Updated dependencies".
 */
export function checkChangelogs(packages, bumped, summaries) {
  const failures = [];
  for (const { dir, manifest } of packages) {
    if (!bumped.includes(manifest.name)) continue;
    const file = join(dir, "CHANGELOG.md");
    const text = existsSync(file) ? readFileSync(file, "utf8") : "";
    const start = text.indexOf(`\n## ${manifest.version}\n`);
    const end = text.indexOf("\n## ", start + 1);
    const section = start === -1 ? "" : text.slice(start, end === -1 ? undefined : end);
    const entry = summaries[manifest.name] ?? "Updated dependencies";
    if (!section.includes(entry)) {
      failures.push(
        `${manifest.name}: CHANGELOG.md has no "## ${manifest.version}" section mentioning "${entry}"`,
      );
    } else {
      console.log(`changelog ok: ${manifest.name} ${manifest.version}`);
    }
  }
  return failures;
}
