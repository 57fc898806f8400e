#!/usr/bin/env node
/**
 * A minimal static file server for the built site: `node scripts/serve.mjs dist [port]` serves
 * dist/ on http://127.0.0.1:<port>/ (default 4173; 0 picks a free port). Exported for the tests.
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".wasm": "application/wasm",
};

/** Serves `root` on 127.0.0.1:`port`; resolves to the server and its URL. */
export function serve(root, port = 4173) {
  const base = resolve(root);
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname);
    let file = normalize(join(base, path));
    if (file !== base && !file.startsWith(base + sep)) {
      response.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file)) {
      response.writeHead(404).end("not found");
      return;
    }
    response.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    createReadStream(file).pipe(response);
  });
  return new Promise((done) => {
    server.listen(port, "127.0.0.1", () => {
      const { port: actual } = server.address();
      done({ server, url: `http://127.0.0.1:${actual}/` });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = process.argv[2] ?? "dist";
  if (!existsSync(join(root, "index.html"))) {
    console.error(
      `serve: ${resolve(root)} has no index.html; run \`pnpm --filter @backprop/playground build\` first`,
    );
    process.exit(1);
  }
  const { url } = await serve(root, Number(process.argv[3] ?? 4173));
  console.log(`backprop playground: ${url}  (Ctrl-C to stop)`);
}
