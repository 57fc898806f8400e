/**
 * The API reference's entry points: every entry point of every public package (its `exports`
 * keys, through the `@backprop/source` condition to the TypeScript file), named as a user imports it.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/** One documented module: the file TypeDoc reads and the specifier the reference names it by. */
export interface DocEntryPoint {
  /** Absolute path of the TypeScript source. */
  file: string;
  /** The import specifier, e.g. `@backprop/data/node`. */
  specifier: string;
  /** The name TypeDoc gives the module before it is renamed (the path from the root, without `/index.ts` or `.ts`). */
  defaultName: string;
}

interface Manifest {
  name: string;
  private?: boolean;
  exports?: Record<string, string | Record<string, unknown>>;
}

/** The documented entry points of the workspace at `root`, in package order. */
export function docEntryPoints(root: string): DocEntryPoint[] {
  const result: DocEntryPoint[] = [];
  for (const group of ["packages", "apps"]) {
    for (const name of readdirSync(join(root, group)).sort()) {
      const manifestFile = join(root, group, name, "package.json");
      if (!existsSync(manifestFile)) continue;
      const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as Manifest;
      if (manifest.private === true) continue;
      for (const [key, target] of Object.entries(manifest.exports ?? {})) {
        const source = typeof target === "object" ? target["@backprop/source"] : undefined;
        if (typeof source !== "string") continue;
        const file = join(root, group, name, source);
        result.push({
          file,
          specifier: key === "." ? manifest.name : `${manifest.name}/${key.slice(2)}`,
          defaultName: relative(root, file)
            .replace(/\/index\.ts$/, "")
            .replace(/\.ts$/, ""),
        });
      }
    }
  }
  return result;
}
