/** The workspace's packages (packages/* and apps/*), the public (published) ones, their entry points and commands. */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { readJson } from "./run.mjs";

/** Every package under `root`/packages and `root`/apps, private ones included, as `{ dir, manifest }`. */
export function workspacePackages(root) {
  return ["packages", "apps"]
    .flatMap((dir) => readdirSync(join(root, dir)).map((name) => join(root, dir, name)))
    .filter((dir) => existsSync(join(dir, "package.json")))
    .map((dir) => ({ dir, manifest: readJson(join(dir, "package.json")) }));
}

/**
 * Every package under `root`/packages and `root`/apps whose manifest is not `private`, as
 * `{ dir, manifest }`; `only` (a list of names) narrows the list.
 */
export function publicPackages(root, only) {
  return workspacePackages(root).filter(
    ({ manifest }) => manifest.private !== true && (!only || only.includes(manifest.name)),
  );
}

/** The import specifiers of every entry point of `manifests` (`exports` keys; ./package.json excluded). */
export function entryPoints(manifests) {
  return manifests.flatMap((manifest) =>
    Object.keys(manifest.exports ?? { ".": null })
      .filter((key) => key !== "./package.json")
      .map((key) => (key === "." ? manifest.name : `${manifest.name}/${key.slice(2)}`)),
  );
}

/** The commands a package installs (its `bin` map; a string `bin` is named after the package). */
export function binCommands(manifest) {
  if (typeof manifest.bin === "string") return [manifest.name.split("/").pop()];
  return Object.keys(manifest.bin ?? {});
}
