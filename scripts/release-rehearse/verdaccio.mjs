/**
 * A throw-away npm registry: Verdaccio on 127.0.0.1 (a free port), storage, config and log in a
 * folder of its own, no uplinks (it never contacts another registry), one user whose token the
 * publish step uses. `stop()` ends the process; call it in a `finally`.
 */
import { spawn } from "node:child_process";
import { openSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { http } from "./http.mjs";

/** A TCP port that was free on 127.0.0.1 a moment ago. */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

async function waitUntilUp(url, child, logFile, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited with ${child.exitCode}; see ${logFile}`);
    try {
      if ((await http(`${url}-/ping`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`verdaccio did not answer on ${url} within ${timeoutMs / 1000} s; see ${logFile}`);
}

/**
 * Starts Verdaccio (`verdaccioBin`, the root devDependency) with its files under `dir` and returns
 * `{ url, token, stop }`: `url` ends with "/", `token` authenticates publishes for `@backprop/*`.
 */
export async function startRegistry(verdaccioBin, dir) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const config = join(dir, "config.yaml");
  writeFileSync(
    config,
    [
      `storage: ${JSON.stringify(join(dir, "storage"))}`,
      "auth:",
      `  htpasswd: { file: ${JSON.stringify(join(dir, "htpasswd"))}, max_users: 1 }`,
      "uplinks: {}",
      "packages:",
      "  '@backprop/*': { access: $all, publish: $authenticated, unpublish: $authenticated }",
      "  '**': { access: $all }",
      "log: { type: stdout, format: pretty, level: warn }",
      "",
    ].join("\n"),
  );
  const logFile = join(dir, "verdaccio.log");
  const log = openSync(logFile, "a");
  const child = spawn(process.execPath, [verdaccioBin, "--config", config, "--listen", `127.0.0.1:${port}`], {
    stdio: ["ignore", log, log],
  });
  const stop = () =>
    new Promise((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once("exit", () => done());
      child.kill("SIGTERM");
    });
  try {
    await waitUntilUp(url, child, logFile, 30_000);
    const response = await http(`${url}-/user/org.couchdb.user:rehearsal`, {
      method: "PUT",
      json: { name: "rehearsal", password: "rehearsal-only-password" },
    });
    const body = JSON.parse(response.body.toString("utf8"));
    if (response.status !== 201 || typeof body.token !== "string") {
      throw new Error(
        `verdaccio refused to create the rehearsal user: ${response.status} ${JSON.stringify(body)}`,
      );
    }
    return { url, token: body.token, logFile, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
