import { existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { serveStatic } from "./static-server.js";

/** Debian's chromium (apt-get install chromium); skipped where it is not installed, except in CI. */
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((path) => existsSync(path));
const site = join(resolve(dirname(fileURLToPath(import.meta.url)), ".."), "dist");
const PARALLEL_PAGES = 4;

interface Crawl {
  pages: Set<string>;
  broken: string[];
  /** page path → the ids on it. */
  ids: Map<string, Set<string>>;
  /** `path#fragment` links, checked once every page is loaded. */
  fragments: Array<{ from: string; path: string; fragment: string }>;
  external: number;
}

async function visit(page: Page, base: string, path: string, crawl: Crawl, queue: string[]): Promise<void> {
  const response = await page.goto(new URL(path, base).href, { waitUntil: "domcontentloaded" });
  if (response?.status() !== 200) {
    crawl.broken.push(`${path}: HTTP ${response?.status()}`);
    return;
  }
  const { links, ids } = await page.evaluate(() => ({
    links: [
      ...[...document.querySelectorAll("a[href]")].map((a) => (a as HTMLAnchorElement).href),
      ...[...document.querySelectorAll("link[href]")].map((l) => (l as HTMLLinkElement).href),
      ...[...document.querySelectorAll("script[src], img[src]")].map((e) => (e as HTMLScriptElement).src),
    ],
    ids: [...document.querySelectorAll("[id], a[name]")].map((e) => e.id || (e as HTMLAnchorElement).name),
  }));
  crawl.ids.set(path, new Set(ids));
  for (const link of links) {
    const url = new URL(link);
    if (url.origin !== new URL(base).origin) {
      crawl.external++;
      continue;
    }
    const target = url.pathname.endsWith("/") ? `${url.pathname}index.html` : url.pathname;
    if (url.hash.length > 1)
      crawl.fragments.push({ from: path, path: target, fragment: decodeURIComponent(url.hash.slice(1)) });
    if (target.endsWith(".html")) {
      if (!crawl.pages.has(target)) {
        crawl.pages.add(target);
        queue.push(target);
      }
    } else if (!crawl.pages.has(target)) {
      crawl.pages.add(target);
      const asset = await fetch(new URL(target, base));
      if (asset.status !== 200) crawl.broken.push(`${path} → ${target}: HTTP ${asset.status}`);
    }
  }
}

/** Loads `paths` with scripts on and returns every script error and failed request (TypeDoc's navigation, search, theme). */
async function scriptErrors(browser: Browser, base: string, paths: readonly string[]): Promise<string[]> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`${page.url()}: ${error.message}`));
  // A request of the page's own (a script, a style, data a script fetches) that fails; the browser's
  // own /favicon.ico probe is not the site's.
  page.on("response", (response) => {
    const url = new URL(response.url());
    if (response.status() >= 400 && url.pathname !== "/favicon.ico") {
      errors.push(`${page.url()}: HTTP ${response.status()} for ${url.pathname}`);
    }
  });
  for (const path of paths) await page.goto(new URL(path.slice(1), base).href, { waitUntil: "load" });
  await page.close();
  return errors;
}

/** Follows every same-origin link from the home page, with a few browser pages in parallel. */
async function crawlSite(browser: Browser, base: string): Promise<Crawl> {
  const crawl: Crawl = {
    pages: new Set(["/index.html"]),
    broken: [],
    ids: new Map(),
    fragments: [],
    external: 0,
  };
  const queue = ["/index.html"];
  // Without scripts: every link is in the static HTML (TypeDoc's script only draws the sidebar
  // again), and 500 pages load in a fraction of the time; scripts run on the pages of `scriptChecked`.
  const context = await browser.newContext({ javaScriptEnabled: false });
  // The site must work offline: nothing is fetched from anywhere but the local server.
  // Styles, images and fonts are fetched once each by `visit` instead of by every page.
  await context.route("**/*", (route) => {
    const request = route.request();
    if (!request.url().startsWith(base)) return route.abort();
    if (["stylesheet", "image", "font"].includes(request.resourceType()))
      return route.fulfill({ status: 200, body: "" });
    return route.continue();
  });
  const workers = Array.from({ length: PARALLEL_PAGES }, async () => {
    const page = await context.newPage();
    // A worker that finds the queue empty waits briefly: another may still be adding pages to it.
    for (let idle = 0; idle < 20; ) {
      const path = queue.shift();
      if (path === undefined) {
        idle++;
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      idle = 0;
      await visit(page, base, path, crawl, queue);
    }
  });
  await Promise.all(workers);
  await context.close();
  return crawl;
}

describe.skipIf(CHROMIUM === undefined && process.env.CI !== "true")(
  "the built docs site in a browser",
  () => {
    it("has no broken internal link, anchor or asset, and no script error", async () => {
      expect(
        existsSync(join(site, "index.html")),
        `no built site in ${site}: run \`pnpm run docs\` first`,
      ).toBe(true);
      expect(CHROMIUM, "CI=true: Chromium must be installed (apt-get install chromium)").toBeDefined();
      const { chromium } = await import("playwright-core");
      const server = await serveStatic(site);
      const browser = await chromium.launch({ executablePath: CHROMIUM!, args: ["--no-sandbox"] });
      try {
        const crawl = await crawlSite(browser, server.url);
        const missingAnchors = crawl.fragments
          .filter(({ path, fragment }) => crawl.ids.has(path) && !crawl.ids.get(path)!.has(fragment))
          .map(({ from, path, fragment }) => `${from} → ${path}#${fragment}`);
        expect(crawl.broken).toEqual([]);
        expect([...new Set(missingAnchors)]).toEqual([]);
        const pages = [...crawl.pages].filter((p) => p.endsWith(".html"));
        const scriptChecked = pages.filter((p) => p === "/index.html" || /^\/(documents|modules)\//.test(p));
        expect(await scriptErrors(browser, server.url, scriptChecked)).toEqual([]);
        // Every package's module page, the guide, the CLI reference and the benchmarks were reached.
        for (const name of [
          "tensor",
          "tensor-wasm",
          "layers",
          "losses",
          "optimizers",
          "gradcheck",
          "data",
          "trainer",
        ]) {
          expect(
            pages.some(
              (p) => p.includes(`_backprop_${name.replace("-", "_")}`) || p.includes(`backprop_${name}`),
            ),
            name,
          ).toBe(true);
        }
        for (const doc of ["Guide", "CLI", "Benchmarks"]) {
          expect(
            pages.some((p) => p.startsWith("/documents/") && p.includes(doc)),
            doc,
          ).toBe(true);
        }
        expect(pages.length).toBeGreaterThan(100);

        const page = await browser.newPage();
        await page.goto(new URL("index.html", server.url).href);
        const playgroundLinks = await page.locator('a[href="playground/index.html"]').count();
        expect(playgroundLinks > 0).toBe(existsSync(join(site, "playground", "index.html")));
        const shots = process.env.DOCS_SCREENSHOTS;
        if (shots !== undefined) {
          mkdirSync(shots, { recursive: true });
          await page.screenshot({ path: join(shots, "home.png"), fullPage: true });
          const guide = pages.find((p) => p.startsWith("/documents/") && p.includes("Guide"))!;
          await page.goto(new URL(guide.slice(1), server.url).href);
          await page.screenshot({ path: join(shots, "guide.png"), fullPage: true });
          await page.goto(new URL("modules/_backprop_layers.html", server.url).href);
          await page.screenshot({ path: join(shots, "api-layers.png"), fullPage: true });
        }
      } finally {
        await browser.close();
        await server.close();
      }
    }, 600_000);
  },
);
