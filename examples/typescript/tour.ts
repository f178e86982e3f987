// A frontend's first requests to Nashr, typed from the OpenAPI document:
// the editions, a page of posts with their authors and categories, one
// post by its slug, a menu, every post of an edition by cursor, a search,
// and a problem document. No casts and no `any`: if the document and the
// server disagree with what this code reads, `tsc --strict` or the checks
// below fail.
//
//   npm ci && npm run build && npm run tour -- http://localhost:8080

import createClient from "openapi-fetch";
import type { components, paths } from "./nashr.js";

type Post = components["schemas"]["PostResponse"];
type MenuItem = components["schemas"]["MenuItemResponse"];
type Problem = components["schemas"]["Problem"];

const baseUrl = process.argv[2] ?? "http://localhost:8080";

// Whole answers are `application/json`; errors `application/problem+json`.
// (Answers shaped by `fields=` come as `application/vnd.nashr.fields+json`,
// typed `PostFields`; this client does not ask for them.)
const api = createClient<paths, "application/json" | "application/problem+json">({ baseUrl });

function check(ok: boolean, what: string): void {
  if (!ok) {
    throw new Error(`not as expected: ${what}`);
  }
}

function failed(problem: Problem): never {
  throw new Error(`${problem.status} ${problem.title}: ${problem.detail}`);
}

/// The editions, the default one first.
async function editions(): Promise<string[]> {
  const { data, error } = await api.GET("/api/v1/editions");
  if (error) failed(error);
  const codes = data.data.map((e) => e.code);
  for (const edition of data.data) {
    console.log(`edition ${edition.code} ${edition.native_name} (${edition.direction})${edition.is_default ? ", default" : ""}`);
  }
  check(data.data.some((e) => e.direction === "rtl"), "a right-to-left edition");
  return codes;
}

/// A front page: the latest posts of an edition with authors and categories.
async function frontPage(edition: string): Promise<Post> {
  const { data, error } = await api.GET("/api/v1/posts", {
    params: { query: { edition, per_page: 5, include: "author,categories" } },
  });
  if (error) failed(error);
  for (const post of data.data) {
    const author = post.embedded?.author?.display_name ?? "(no author)";
    const categories = (post.embedded?.categories ?? []).map((c) => c.name).join(", ");
    console.log(`  ${post.published_at ?? "-"} ${post.path} "${post.title}" by ${author} in ${categories}`);
    check(post.edition === edition, `${post.path} is of edition ${edition}`);
    check(post.embedded?.categories?.length === post.categories.length, "every category embedded");
  }
  const first = data.data[0];
  if (!first) throw new Error(`edition ${edition} has no post`);
  return first;
}

/// The post a page at `/{edition}/{slug}` shows, and where its translations are.
async function postBySlug(edition: string, slug: string): Promise<Post> {
  const { data, error } = await api.GET("/api/v1/posts/by-slug/{slug}", {
    params: { path: { slug }, query: { edition } },
  });
  if (error) failed(error);
  const languages = data.alternates.map((a) => `${a.hreflang} ${a.path}`).join(", ");
  console.log(`  ${data.title} (${data.direction}, ${data.content.length} characters): ${languages}`);
  check(data.slug === slug && data.edition === edition, "the post asked for");
  return data;
}

/// An edition's main menu, nested.
async function menu(edition: string): Promise<number> {
  const { data, error } = await api.GET("/api/v1/menus/by-slug/{slug}", {
    params: { path: { slug: "main" }, query: { edition } },
  });
  if (error) failed(error);
  const walk = (items: MenuItem[], depth: number): number =>
    items.reduce((n, item) => {
      console.log(`  ${"  ".repeat(depth)}${item.label} -> ${item.url} (${item.type})`);
      return n + 1 + walk(item.children, depth + 1);
    }, 0);
  const entries = walk(data.items, 0);
  check(entries > 0, "the menu has entries");
  return entries;
}

/// Every post of an edition, a page at a time, by cursor.
async function everyPost(edition: string): Promise<number> {
  let cursor: string | undefined;
  let total = -1;
  const seen = new Set<number>();
  do {
    const query = cursor === undefined ? { edition, per_page: 50 } : { edition, per_page: 50, cursor };
    const { data, error } = await api.GET("/api/v1/posts", { params: { query } });
    if (error) failed(error);
    if (total < 0) total = data.meta.total;
    for (const post of data.data) {
      check(!seen.has(post.id), `post ${post.id} comes once`);
      seen.add(post.id);
    }
    cursor = data.meta.next_cursor ?? undefined;
  } while (cursor !== undefined);
  console.log(`  ${seen.size} posts in edition ${edition}, ${total} by meta.total`);
  check(seen.size === total, "the pages hold meta.total posts");
  return seen.size;
}

/// A reader's search, most relevant first, with the words in context.
async function search(edition: string, words: string): Promise<number> {
  const { data, error } = await api.GET("/api/v1/posts", {
    params: { query: { edition, search: words, per_page: 3 } },
  });
  if (error) failed(error);
  for (const post of data.data) {
    console.log(`  ${post.title}: …${post.search_snippet ?? ""}…`);
  }
  check(data.data.length > 0, `"${words}" finds posts`);
  return data.meta.total;
}

/// A page that does not exist is a typed problem document.
async function missing(): Promise<void> {
  const { data, error, response } = await api.GET("/api/v1/posts/by-slug/{slug}", {
    params: { path: { slug: "no-such-post" }, query: { edition: "en" } },
  });
  check(data === undefined && response.status === 404, "404 for a missing post");
  check(error?.status === 404 && error.title.length > 0, "a problem document");
  console.log(`  ${error?.status} ${error?.title}: ${error?.detail}`);
}

async function main(): Promise<void> {
  console.log(`Nashr at ${baseUrl}`);
  const codes = await editions();
  for (const edition of codes) {
    console.log(`front page, ${edition}:`);
    const first = await frontPage(edition);
    console.log(`post by slug, ${edition}:`);
    await postBySlug(edition, first.slug);
    console.log(`menu, ${edition}:`);
    await menu(edition);
  }
  console.log("cursor paging:");
  await everyPost("en");
  console.log("search:");
  await search("fa", "نوروز");
  await search("en", "public librar");
  console.log("a missing post:");
  await missing();
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
