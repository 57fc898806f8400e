import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { copyPlayground, playgroundDist, playgroundLine } from "./playground.js";

describe("the playground in the docs site", () => {
  const dirs: string[] = [];
  const scratch = () => {
    const dir = mkdtempSync(join(tmpdir(), "backprop-docs-playground-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("is left out, link and all, when apps/playground/dist is not built", () => {
    const root = scratch();
    mkdirSync(join(root, "apps", "playground", "dist"), { recursive: true }); // built without an index.html
    const site = scratch();
    const dist = playgroundDist(root);
    expect(dist).toBeUndefined();
    expect(playgroundLine(dist)).toBe("");
    expect(copyPlayground(dist, site)).toBe(false);
    expect(existsSync(join(site, "playground"))).toBe(false);
  });

  it("is copied under /playground/ and linked from the home page when it is built", () => {
    const root = scratch();
    const built = join(root, "apps", "playground", "dist");
    mkdirSync(join(built, "assets"), { recursive: true });
    writeFileSync(join(built, "index.html"), "<!doctype html><title>playground</title>");
    writeFileSync(join(built, "assets", "app.js"), "console.log(1)");
    const site = scratch();
    const dist = playgroundDist(root);
    expect(dist).toBe(built);
    expect(playgroundLine(dist)).toContain("](playground/index.html)");
    expect(copyPlayground(dist, site)).toBe(true);
    expect(readFileSync(join(site, "playground", "index.html"), "utf8")).toContain(
      "<title>playground</title>",
    );
    expect(readFileSync(join(site, "playground", "assets", "app.js"), "utf8")).toBe("console.log(1)");
  });
});
