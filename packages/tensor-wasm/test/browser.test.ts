/*
 * The wasm backend in a browser (Debian's Chromium, through playwright-core; skipped where it is not
 * installed): on two threads it starts Web Workers when the page is cross-origin isolated, from the
 * page and from a worker, and falls back to one thread when it is not; a gemm, an elementwise pass with
 * a sum and a reduction (test/browser/workload.ts) give the same bits in every case and as in Node.
 * With CI=true a missing Chromium fails the test instead of skipping it.
 */
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { build } from "esbuild";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWasmBackend } from "../src/index.js";
import type { GemmReport } from "./browser/page.js";
import { workloadBits } from "./browser/workload.js";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((path) => existsSync(path));

/** The headers that make a page cross-origin isolated (SharedArrayBuffer, shared wasm memory). */
const ISOLATION = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

/** Serves the bundle and a page loading it, under /isolated/ with the isolation headers and /plain/ without. */
async function serve(bundle: string): Promise<Server> {
  const server = createServer((request, response) => {
    const [, mode, file] = (request.url ?? "").split("/");
    const headers = mode === "isolated" ? ISOLATION : {};
    if (file === "page.js") {
      response.writeHead(200, { "Content-Type": "text/javascript", ...headers }).end(bundle);
    } else if (file === "index.html") {
      response
        .writeHead(200, { "Content-Type": "text/html", ...headers })
        .end('<!doctype html><script type="module" src="page.js"></script>');
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

/** The same product in Node, on one thread: the reference bits. */
async function nodeBits(): Promise<number[]> {
  return workloadBits(await createWasmBackend({ relaxed: false, threads: 1 }));
}

describe.skipIf(CHROMIUM === undefined && process.env.CI !== "true")("the wasm backend in Chromium", () => {
  let server: Server;
  let browser: Browser;
  let origin: string;
  let expected: number[];

  beforeAll(async () => {
    const bundled = await build({
      entryPoints: [new URL("./browser/page.ts", import.meta.url).pathname],
      bundle: true,
      format: "esm",
      platform: "browser",
      conditions: ["@backprop/source"],
      write: false,
    });
    server = await serve(bundled.outputFiles[0]!.text);
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM!, args: ["--no-sandbox"] });
    expected = await nodeBits();
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  async function open(mode: "isolated" | "plain"): Promise<Page> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${origin}/${mode}/index.html`);
    await page.waitForFunction(() => "gemmOn" in window);
    expect(errors).toEqual([]);
    return page;
  }

  const onPage = (page: Page, threads: number) =>
    page.evaluate(
      (n) => (window as unknown as { gemmOn(n: number): Promise<GemmReport> }).gemmOn(n),
      threads,
    );
  const inWorker = (page: Page, threads: number) =>
    page.evaluate(
      (n) =>
        new Promise<GemmReport>((resolve, reject) => {
          const worker = new Worker("page.js", { type: "module" });
          worker.onmessage = (event) => resolve(event.data);
          worker.onerror = (event) => reject(new Error(event.message));
          worker.postMessage(n);
        }),
      threads,
    );

  it("cross-origin isolated: two threads (Web Workers) on the page and in a worker, bitwise as one thread and as Node", async () => {
    const page = await open("isolated");
    const one = await onPage(page, 1);
    const two = await onPage(page, 2);
    const fromWorker = await inWorker(page, 2);
    expect([one.threads, two.threads, fromWorker.threads]).toEqual([1, 2, 2]);
    expect(two.available && fromWorker.available).toBe(true);
    expect(one.bits).toEqual(expected);
    expect(two.bits).toEqual(expected);
    expect(fromWorker.bits).toEqual(expected);
  }, 60_000);

  it("not isolated: threads: 2 runs on one thread, with the same result", async () => {
    const page = await open("plain");
    const report = await onPage(page, 2);
    expect(report.available).toBe(false);
    expect(report.threads).toBe(1);
    expect(report.bits).toEqual(expected);
  }, 60_000);
});
