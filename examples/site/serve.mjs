// Serves the reference site: its files, openapi-fetch for the browser,
// `/config.json` naming the API, and `index.html` for every other path
// (the site routes in the browser).
//
//   NASHR_API=http://127.0.0.1:8080 PORT=3000 node serve.mjs
//
// The API must allow this site's origin: NASHR_CORS_ORIGINS=http://127.0.0.1:3000

import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL(".", import.meta.url));
const api = process.env.NASHR_API ?? "http://127.0.0.1:8080";
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".json": "application/json" };
const FILES = {
  "/site.css": "site.css",
  "/vendor/openapi-fetch.mjs": "node_modules/openapi-fetch/dist/index.mjs",
};

const server = createServer(async (req, res) => {
  const path = new URL(req.url ?? "/", "http://site").pathname;
  if (path === "/config.json") {
    res.writeHead(200, { "content-type": TYPES[".json"], "cache-control": "no-store" });
    return res.end(JSON.stringify({ api }));
  }
  const file = FILES[path] ?? (path.startsWith("/dist/") ? normalize(path.slice(1)) : "index.html");
  if (file.startsWith("..")) {
    res.writeHead(404);
    return res.end();
  }
  try {
    const body = await readFile(join(root, file));
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    res.end(body);
  } catch {
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found");
  }
});
server.listen(port, host, () => {
  const { port: bound } = server.address();
  console.log(`the site is at http://${host}:${bound}/ (API: ${api})`);
});
