/**
 * What the registry holds after a publish, checked against what the pipeline promises: the
 * manifests it serves carry no `workspace:` range, and each tarball it serves has exactly the files
 * `pnpm pack` puts in the package.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "../lib/run.mjs";
import { http } from "./http.mjs";

const DEPENDENCY_FIELDS = ["dependencies", "peerDependencies", "optionalDependencies", "devDependencies"];

/** The registry's document for `name` (all versions), or undefined when it has none. */
export async function packument(registryUrl, name) {
  const response = await http(`${registryUrl}${name.replace("/", "%2f")}`);
  if (response.status === 404) return undefined;
  if (response.status !== 200) throw new Error(`registry: GET ${name} answered ${response.status}`);
  return JSON.parse(response.body.toString("utf8"));
}

/** The `dependency → range` entries of `manifest` that still use the workspace protocol. */
export function workspaceRanges(manifest) {
  return DEPENDENCY_FIELDS.flatMap((field) =>
    Object.entries(manifest[field] ?? {})
      .filter(([, range]) => String(range).startsWith("workspace:"))
      .map(([dep, range]) => `${field}.${dep}: ${range}`),
  );
}

/** The sorted file list of a .tgz (paths relative to the package folder). */
export function tarballFiles(tgz) {
  return execFileSync("tar", ["-tzf", tgz], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line !== "" && !line.endsWith("/"))
    .map((line) => line.replace(/^[^/]+\//, ""))
    .sort();
}

/** Downloads the tarball of `name@version` from the registry into `dir` and returns its path. */
export async function downloadTarball(registryUrl, doc, version, dir) {
  const tarballUrl = doc.versions[version]?.dist?.tarball;
  if (tarballUrl === undefined) throw new Error(`registry: ${doc.name}@${version} has no tarball`);
  if (!tarballUrl.startsWith(registryUrl)) {
    throw new Error(
      `registry: ${doc.name}@${version}'s tarball is not on the rehearsal registry: ${tarballUrl}`,
    );
  }
  const response = await http(tarballUrl);
  if (response.status !== 200) throw new Error(`registry: GET ${tarballUrl} answered ${response.status}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${doc.name.replace("/", "-").replace("@", "")}-${version}.tgz`);
  writeFileSync(file, response.body);
  return file;
}

/**
 * For each published package: no `workspace:` range in the manifest the registry serves nor in the
 * tarball's package.json, and the tarball's files equal those of `pnpm pack` in the clone.
 * Returns the failure messages.
 */
export async function checkPublished(registryUrl, packages, work) {
  const failures = [];
  for (const { dir, manifest } of packages) {
    const { name, version } = manifest;
    const doc = await packument(registryUrl, name);
    const served = doc?.versions?.[version];
    if (served === undefined) {
      failures.push(`${name}@${version} is not on the registry after the publish step`);
      continue;
    }
    const left = workspaceRanges(served);
    if (left.length > 0)
      failures.push(`${name}@${version}: the registry's manifest keeps ${left.join(", ")}`);
    const published = await downloadTarball(registryUrl, doc, version, join(work, "published"));
    const packDir = join(work, "packed");
    mkdirSync(packDir, { recursive: true });
    const packed = run("release:rehearse", "pnpm", ["pack", "--pack-destination", packDir], dir)
      .trim()
      .split("\n")
      .pop()
      .trim();
    const inTarball = JSON.parse(
      execFileSync("tar", ["-xzOf", published, "package/package.json"], { encoding: "utf8" }),
    );
    const leftInTarball = workspaceRanges(inTarball);
    if (leftInTarball.length > 0) {
      failures.push(`${name}@${version}: the published package.json keeps ${leftInTarball.join(", ")}`);
    }
    const [got, want] = [tarballFiles(published), tarballFiles(packed)];
    const missing = want.filter((f) => !got.includes(f));
    const extra = got.filter((f) => !want.includes(f));
    if (missing.length > 0 || extra.length > 0) {
      failures.push(
        `${name}@${version}: the published tarball's files differ from \`pnpm pack\`'s: missing ${JSON.stringify(missing)}, extra ${JSON.stringify(extra)}`,
      );
    } else if (!got.some((f) => f.startsWith("dist/"))) {
      failures.push(`${name}@${version}: published without its dist/ (${got.length} files)`);
    } else {
      console.log(
        `registry ok: ${name}@${version} (${got.length} files, same as pnpm pack; no workspace: ranges)`,
      );
    }
  }
  return failures;
}
