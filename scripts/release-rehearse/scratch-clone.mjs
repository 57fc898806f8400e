/**
 * The scratch clone a rehearsal releases from: `git clone` of the committed HEAD (uncommitted
 * changes are not in it, and the script says so), on a branch named like the release workflow's
 * (`main`), with its dependencies installed from the lockfile.
 */
import { join } from "node:path";
import { run } from "../lib/run.mjs";

const LABEL = "release:rehearse";

/** Clones `root`'s HEAD into `dir`/repo, installs it, and returns the clone's path. */
export function cloneHead(root, dir) {
  const dirty = run(LABEL, "git", ["status", "--porcelain"], root).trimEnd();
  if (dirty !== "") {
    console.log("note: uncommitted changes are not rehearsed (the scratch clone is of HEAD):");
    console.log(dirty.replace(/^/gm, "  "));
  }
  const clone = join(dir, "repo");
  run(LABEL, "git", ["clone", "--quiet", root, clone], dir);
  run(LABEL, "git", ["checkout", "--quiet", "-B", "main"], clone);
  for (const [key, value] of [
    ["user.name", "release rehearsal"],
    ["user.email", "rehearsal@localhost"],
    ["commit.gpgsign", "false"],
    ["tag.gpgsign", "false"],
  ]) {
    run(LABEL, "git", ["config", key, value], clone);
  }
  run(LABEL, "pnpm", ["install", "--frozen-lockfile", "--prefer-offline", "--reporter=silent"], clone);
  return clone;
}

/** Commits everything in the clone, as the release workflow's "Version Packages" PR would. */
export function commitAll(clone, message) {
  run(LABEL, "git", ["add", "-A"], clone);
  run(LABEL, "git", ["commit", "--quiet", "--no-verify", "-m", message], clone);
}
