/**
 * A user's fresh project outside the workspace, with `@backprop/*` resolved from the rehearsal
 * registry (every other package from the usual registry or the local cache): install
 * `@backprop/trainer` alone, train one epoch on the built-in digits with its `backprop` command,
 * then add every public package and import, require and type-check each entry point (node16
 * resolution: release:check covers bundler resolution on the same files).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { consumerSnippets, externalPeers, smokeImports, typeCheckConsumer } from "../lib/consumer-checks.mjs";
import { entryPoints } from "../lib/public-packages.mjs";
import { run } from "../lib/run.mjs";

const LABEL = "release:rehearse";

/** How each package manager installs and runs a command in the user's project. */
const CLIENTS = {
  npm: {
    add: (specs) => [
      "npm",
      ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", ...specs],
    ],
    exec: (command) => ["npx", ["--no-install", command]],
  },
  pnpm: {
    add: (specs) => ["pnpm", ["add", "--prefer-offline", "--reporter=silent", ...specs]],
    exec: (command) => ["pnpm", ["exec", command]],
  },
};

/**
 * Runs the user's checks with `client` ("npm" or "pnpm") in `dir`. `packages`: the public packages
 * as `{ manifest }`; `root`: the workspace (for its tsc, @types/node pin and consumer snippets).
 * Returns the failure messages.
 */
export function checkAsUser(client, dir, registryUrl, packages, root, rootManifest) {
  const { add, exec } = CLIENTS[client];
  const label = `${LABEL} (${client} user)`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, ".npmrc"), `@backprop:registry=${registryUrl}\n`);
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: `rehearsal-${client}-user`, version: "1.0.0", private: true }, null, 2),
  );
  const failures = [];
  run(label, ...add(["@backprop/trainer"]), dir);
  try {
    const [cmd, args] = exec("backprop");
    const result = JSON.parse(run(label, cmd, [...args, "train", "--epochs", "1", "--quiet", "--json"], dir));
    const accuracy = result.test?.accuracy;
    if (result.status !== "completed" || !(accuracy > 0.5)) {
      failures.push(
        `${client}: \`backprop train --epochs 1\` did not train the digits (status ${result.status}, test accuracy ${accuracy})`,
      );
    } else {
      console.log(
        `${client} user: backprop train --epochs 1 → test accuracy ${accuracy.toFixed(3)} (${result.data})`,
      );
    }
  } catch (error) {
    failures.push(`${client}: \`backprop train --epochs 1\` failed:\n${error.message}`);
  }
  const others = packages.map(({ manifest }) => manifest.name).filter((name) => name !== "@backprop/trainer");
  const manifests = packages.map(({ manifest }) => manifest);
  const peers = Object.entries(externalPeers(manifests, rootManifest.devDependencies)).map(
    ([n, v]) => `${n}@${v}`,
  );
  run(
    label,
    ...add([...others, ...peers, `@types/node@${rootManifest.devDependencies["@types/node"]}`]),
    dir,
  );
  const specs = entryPoints(manifests);
  failures.push(...smokeImports(label, dir, specs).map((f) => `${client}: ${f}`));
  const tsc = join(root, "node_modules", ".bin", "tsc");
  failures.push(
    ...typeCheckConsumer(label, dir, tsc, specs, consumerSnippets(root), ["node16"]).map(
      (f) => `${client}: ${f}`,
    ),
  );
  return failures;
}
