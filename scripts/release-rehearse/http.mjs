/**
 * HTTP to the rehearsal registry, one connection per request (no keep-alive: a pooled connection
 * that Verdaccio closed while a long publish step ran fails the next request with EPIPE).
 */
import { request } from "node:http";

/** Sends `method url` (with a JSON `body` if given) and resolves to `{ status, body }` (a Buffer). */
export function http(url, { method = "GET", json } = {}) {
  return new Promise((resolve, reject) => {
    const payload = json === undefined ? undefined : Buffer.from(JSON.stringify(json));
    const req = request(
      url,
      {
        method,
        agent: false,
        headers:
          payload === undefined
            ? {}
            : { "content-type": "application/json", "content-length": payload.length },
      },
      (res) => {
        const chunks = [];
        res.on("data", (chunk) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    req.on("error", (error) => reject(new Error(`${method} ${url}: ${error.message}`)));
    req.end(payload);
  });
}
