/**
 * The playground in the docs site, when it exists: apps/playground is built separately; if its
 * `dist` is there when the site is built, it is copied in under /playground/ and the home page
 * links to it; otherwise the site has no playground link.
 */
import { cpSync, existsSync } from "node:fs";
import { join } from "node:path";

/** The built playground (`apps/playground/dist` with an index.html), or undefined when there is none. */
export function playgroundDist(root: string): string | undefined {
  const dist = join(root, "apps", "playground", "dist");
  return existsSync(join(dist, "index.html")) ? dist : undefined;
}

/** The home page's line about the playground: a link when it is built, nothing otherwise. */
export function playgroundLine(dist: string | undefined): string {
  return dist === undefined
    ? ""
    : "- [Playground](playground/index.html): train a small network in the browser and watch it learn.";
}

/** Copies the built playground into `site`/playground; returns whether there was one to copy. */
export function copyPlayground(dist: string | undefined, site: string): boolean {
  if (dist === undefined) return false;
  cpSync(dist, join(site, "playground"), { recursive: true });
  return true;
}
