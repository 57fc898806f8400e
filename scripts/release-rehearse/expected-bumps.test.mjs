// Run by `pnpm release:rehearse` (node --test) before the rehearsal itself.
import assert from "node:assert/strict";
import { test } from "node:test";
import { expectedReleases, increment, satisfies } from "./expected-bumps.mjs";

const config = { fixed: [], linked: [], ignore: ["@x/bench"], updateInternalDependencies: "patch" };
const workspace = [
  { name: "@x/tensor", version: "0.1.0" },
  { name: "@x/optimizers", version: "0.1.0", dependencies: { "@x/tensor": "workspace:^" } },
  {
    name: "@x/trainer",
    version: "0.1.0",
    dependencies: { "@x/optimizers": "workspace:^", "@x/tensor": "workspace:^" },
  },
  { name: "@x/cli", version: "1.2.3", dependencies: { "@x/trainer": "workspace:~" } },
  { name: "@x/exact", version: "2.0.0", dependencies: { "@x/optimizers": "workspace:*" } },
  { name: "@x/tests", version: "0.0.1", devDependencies: { "@x/optimizers": "workspace:^" } },
  { name: "@x/bench", version: "0.0.0", dependencies: { "@x/optimizers": "workspace:*" } },
];

test("semver ranges as npm reads them", () => {
  assert.equal(increment("0.1.0", "patch"), "0.1.1");
  assert.equal(increment("0.1.3", "minor"), "0.2.0");
  assert.equal(increment("1.2.3", "major"), "2.0.0");
  assert.equal(satisfies("0.1.1", "^0.1.0"), true);
  assert.equal(satisfies("0.2.0", "^0.1.0"), false);
  assert.equal(satisfies("1.9.0", "^1.2.3"), true);
  assert.equal(satisfies("1.2.2", "^1.2.3"), false);
  assert.equal(satisfies("0.0.2", "^0.0.1"), false);
  assert.equal(satisfies("1.2.9", "~1.2.3"), true);
  assert.equal(satisfies("1.3.0", "~1.2.3"), false);
  assert.equal(satisfies("0.1.0", "0.1.0"), true);
});

test("a patch inside the dependents' ^ ranges releases only the package and exact (workspace:*) dependents", () => {
  assert.deepEqual(expectedReleases(workspace, { "@x/optimizers": "patch" }, config), {
    "@x/exact": "2.0.1",
    "@x/optimizers": "0.1.1",
  });
});

test("a minor of a 0.x package leaves ^0.x: dependents get a patch, transitively; dev and ignored ones do not", () => {
  assert.deepEqual(expectedReleases(workspace, { "@x/optimizers": "minor" }, config), {
    "@x/exact": "2.0.1",
    "@x/optimizers": "0.2.0",
    "@x/trainer": "0.1.1",
  });
  // trainer 0.1.0 → 0.1.1 stays inside cli's ~0.1.0, so cli is not released.
});

test("fixed or linked groups are refused rather than mis-modelled", () => {
  assert.throws(
    () => expectedReleases(workspace, { "@x/tensor": "patch" }, { ...config, fixed: [["@x/tensor"]] }),
    /fixed or linked/,
  );
});
