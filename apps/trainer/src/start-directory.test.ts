import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startDirectory } from "./start-directory.js";

describe("startDirectory", () => {
  const user = mkdtempSync(join(tmpdir(), "backprop-start-"));
  const pkg = mkdtempSync(join(tmpdir(), "backprop-pkg-"));
  const elsewhere = mkdtempSync(join(tmpdir(), "backprop-elsewhere-"));

  it("is INIT_CWD when a package script runs the CLI in the package's directory", () => {
    expect(startDirectory({ INIT_CWD: user }, pkg, pkg)).toBe(user);
  });

  it("is cwd for a CLI spawned elsewhere, even with an inherited INIT_CWD", () => {
    expect(startDirectory({ INIT_CWD: user }, elsewhere, pkg)).toBe(elsewhere);
  });

  it("is cwd without INIT_CWD, or when INIT_CWD is not a directory", () => {
    expect(startDirectory({}, pkg, pkg)).toBe(pkg);
    expect(startDirectory({ INIT_CWD: join(user, "missing") }, pkg, pkg)).toBe(pkg);
  });
});
