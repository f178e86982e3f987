// A reference frontend for Nashr: the organisation's site rebuilt on the
// API alone, in every edition. Every request goes through the client
// generated from the OpenAPI document (openapi-typescript, openapi-fetch),
// so `tsc --strict` checks what is read against the contract.
//
// Routes are the paths the API hands out: `/{edition}/` (the latest
// posts), `/{edition}/{slug}` (an article or a page), `/{edition}/category/
// {slug}`, `/{edition}/tag/{slug}`, `/{edition}/search?q=` and
// `/author/{slug}` (in the edition the reader was last in).

import createClient from "openapi-fetch";
import type { components, paths } from "./nashr";

type Post = components["schemas"]["PostResponse"];
type Site = components["schemas"]["SiteResponse"];
type Edition = components["schemas"]["EditionResponse"];
type MenuItem = components["schemas"]["MenuItemResponse"];
type Problem = components["schemas"]["Problem"];

/** Where the API is: `/config.json`, written by whoever serves the site. */
async function apiBase(): Promise<string> {
  const config: unknown = await (await fetch("/config.json")).json();
  if (typeof config === "object" && config !== null && "api" in config && typeof config.api === "string") {
    return config.api;
  }
  throw new Error("/config.json has no `api`");
}

const api = createClient<paths, "application/json" | "application/problem+json">({ baseUrl: await apiBase() });

/** The words of the site itself, by edition (content comes from the API). */
const WORDS = {
  en: { recent: "Recent posts", newer: "Newer posts", older: "Older posts", search: "Search", comment: "comment", comments: "comments", by: "by", previous: "Previous", next: "Next", results: "Results for", none: "Nothing found.", missing: "This page does not exist.", share: "Share" },
  ar: { recent: "أحدث المقالات", newer: "مقالات أحدث", older: "مقالات أقدم", search: "بحث", comment: "تعليق", comments: "تعليقات", by: "بقلم", previous: "السابق", next: "التالي", results: "نتائج البحث عن", none: "لم يُعثر على شيء.", missing: "هذه الصفحة غير موجودة.", share: "شارك" },
  fa: { recent: "تازه‌ترین نوشته‌ها", newer: "نوشته‌های تازه‌تر", older: "نوشته‌های قدیمی‌تر", search: "جستجو", comment: "دیدگاه", comments: "دیدگاه", by: "نوشتهٔ", previous: "قبلی", next: "بعدی", results: "نتایج جستجو برای", none: "چیزی پیدا نشد.", missing: "این صفحه وجود ندارد.", share: "هم‌رسانی" },
  sq: { recent: "Postimet e fundit", newer: "Postime më të reja", older: "Postime më të vjetra", search: "Kërko", comment: "koment", comments: "komente", by: "nga", previous: "Para", next: "Pas", results: "Rezultatet për", none: "Nuk u gjet asgjë.", missing: "Kjo faqe nuk ekziston.", share: "Ndaj" },
};
type Words = (typeof WORDS)["en"];

function words(edition: string): Words {
  return edition in WORDS ? WORDS[edition as keyof typeof WORDS] : WORDS.en;
}

/** Text for HTML. */
function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const PER_PAGE = 10;

/** An error the API answered, as its problem document. */
class ApiProblem extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.status} ${problem.title}: ${problem.detail}`);
  }
}

function ok<T>(reply: { data?: T; error?: Problem }): T {
  if (reply.error) throw new ApiProblem(reply.error);
  if (reply.data === undefined) throw new Error("an empty answer");
  return reply.data;
}

/** What every page of an edition shows around its content. */
interface Chrome {
  edition: Edition;
  editions: Edition[];
  site: Site;
  menu: MenuItem[];
  recent: Post[];
}

const chromes = new Map<string, Chrome>();

/** The edition the reader was last in, for pages without one (authors). */
let lastEdition: string | undefined;

async function chrome(code: string): Promise<Chrome> {
  const kept = chromes.get(code);
  if (kept) {
    lastEdition = code;
    return kept;
  }
  const [editions, site, menu, recent] = await Promise.all([
    api.GET("/api/v1/editions").then(ok),
    api.GET("/api/v1/site", { params: { query: { edition: code } } }).then(ok),
    api.GET("/api/v1/menus/by-slug/{slug}", { params: { path: { slug: "main" }, query: { edition: code } } }),
    api.GET("/api/v1/posts", { params: { query: { edition: code, per_page: 5 } } }).then(ok),
  ]);
  const edition = editions.data.find((e) => e.code === code);
  if (!edition) throw new ApiProblem({ type: "about:blank", title: "Not Found", status: 404, detail: `no edition ${code}` });
  const made: Chrome = { edition, editions: editions.data, site, menu: menu.data?.items ?? [], recent: recent.data };
  chromes.set(code, made);
  lastEdition = code;
  return made;
}

function menuHtml(items: MenuItem[]): string {
  if (items.length === 0) return "";
  const entries = items.map((item) => `<li><a href="${esc(item.url)}">${esc(item.label)}</a>${menuHtml(item.children)}</li>`);
  return `<ul>${entries.join("")}</ul>`;
}

/** The header, aside and footer; `alternates` lead the editions switch to this page's translations. */
function frame(c: Chrome, alternates: Post["alternates"] = []): void {
  const code = c.edition.code;
  const w = words(code);
  document.documentElement.lang = code;
  document.documentElement.dir = c.site.direction;
  const editions = c.editions
    .map((e) => {
      const href = alternates.find((a) => a.hreflang === e.code)?.path ?? `/${e.code}/`;
      const current = e.code === code ? ' aria-current="page"' : "";
      return `<li><a href="${esc(href)}" hreflang="${esc(e.code)}" lang="${esc(e.code)}"${current}>${esc(e.native_name)}</a></li>`;
    })
    .join("");
  header().innerHTML = `
    <div class="brand">
      <h1><a href="/${esc(code)}/">${esc(c.site.name ?? "Nashr")}</a></h1>
      <p class="tagline">${esc(c.site.tagline ?? "")}</p>
      <ul class="editions" aria-label="Editions">${editions}</ul>
    </div>
    <nav class="menu" aria-label="Menu">${menuHtml(c.menu)}</nav>
    <form class="search" action="/${esc(code)}/search" role="search">
      <input name="q" type="search" aria-label="${esc(w.search)}"><button>${esc(w.search)}</button>
    </form>`;
  element("aside").innerHTML = `<h2>${esc(w.recent)}</h2>
    <ul>${c.recent.map((p) => `<li><a href="${esc(p.path)}">${esc(p.title)}</a></li>`).join("")}</ul>`;
  const social = c.site.social_links
    .map((l) => `<li><a href="${esc(l.url)}" rel="me">${esc(l.network)}</a></li>`)
    .join("");
  element("footer").innerHTML = `<ul class="social">${social}</ul><p class="copyright">${esc(c.site.copyright ?? "")}</p>`;
}

function element(id: string): HTMLElement {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing`);
  return found;
}

function header(): HTMLElement {
  return element("header");
}

/** "1 comment", "2 comments", in the edition's words and digits. */
function comments(n: number, code: string): string {
  const w = words(code);
  return `${n.toLocaleString(code)} ${new Intl.PluralRules(code).select(n) === "one" ? w.comment : w.comments}`;
}

function date(iso: string | null | undefined, code: string): string {
  return iso ? new Intl.DateTimeFormat(code, { dateStyle: "long" }).format(new Date(iso)) : "";
}

function summary(post: Post, code: string): string {
  const w = words(code);
  const link = new URL(post.path, location.origin).href;
  const author = post.embedded?.author?.display_name;
  return `<article class="summary">
    <h2><a href="${esc(post.path)}">${esc(post.title)}</a></h2>
    <div class="meta">
      <time datetime="${esc(post.published_at ?? "")}">${esc(date(post.published_at, code))}</time>
      ${author ? `<span>${esc(w.by)} ${esc(author)}</span>` : ""}
      <a href="${esc(post.path)}#comments">${esc(comments(post.comment_count, code))}</a>
      <span class="share">${esc(w.share)}:
        <a href="https://www.facebook.com/sharer/sharer.php?u=${encodeURIComponent(link)}">Facebook</a>
        <a href="https://twitter.com/intent/tweet?url=${encodeURIComponent(link)}">Twitter</a></span>
    </div>
    <p>${post.search_snippet ?? esc(post.excerpt)}</p>
  </article>`;
}

/** A page of posts with "newer" and "older" links. */
async function postList(c: Chrome, title: string, query: paths["/api/v1/posts"]["get"]["parameters"]["query"], page: number): Promise<void> {
  const code = c.edition.code;
  const w = words(code);
  const list = ok(await api.GET("/api/v1/posts", { params: { query: { ...query, edition: code, per_page: PER_PAGE, page, include: "author" } } }));
  const here = new URL(location.href);
  const at = (n: number) => {
    here.searchParams.set("page", String(n));
    return `${here.pathname}${here.search}`;
  };
  const newer = page > 1 ? `<a rel="prev" href="${esc(at(page - 1))}">${esc(w.newer)}</a>` : "<span></span>";
  const older = list.links.next ? `<a rel="next" href="${esc(at(page + 1))}">${esc(w.older)}</a>` : "<span></span>";
  element("main").innerHTML = `<h1>${esc(title)}</h1>
    ${list.data.length ? list.data.map((p) => summary(p, code)).join("") : `<p>${esc(w.none)}</p>`}
    <nav class="pager">${newer}${older}</nav>`;
  document.title = `${title} · ${c.site.name ?? ""}`;
}

async function article(code: string, slug: string): Promise<void> {
  const post = ok(await api.GET("/api/v1/posts/by-slug/{slug}", { params: { path: { slug }, query: { edition: code, include: "author,categories" } } }));
  const c = await chrome(code);
  frame(c, post.alternates);
  const w = words(code);
  const author = post.embedded?.author;
  const categories = (post.embedded?.categories ?? []).map((cat) => `<a href="${esc(cat.path)}">${esc(cat.name)}</a>`).join(", ");
  const neighbour = (p: Post["previous"], rel: "prev" | "next", label: string) =>
    p ? `<a rel="${rel}" href="${esc(p.path)}">${esc(label)}: ${esc(p.title)}</a>` : "<span></span>";
  element("main").innerHTML = `<article class="post" dir="${esc(post.direction)}" lang="${esc(post.edition)}">
      <h1>${esc(post.title)}</h1>
      <div class="meta">
        ${post.kind === "article" ? `<time datetime="${esc(post.published_at ?? "")}">${esc(date(post.published_at, code))}</time>` : ""}
        ${author ? `<a href="${esc(author.path)}">${esc(author.display_name)}</a>` : ""}
        ${categories ? `<span>${categories}</span>` : ""}
        <span id="comments">${esc(comments(post.comment_count, code))}</span>
      </div>
      <div class="content">${post.content}</div>
    </article>
    ${post.kind === "article" ? `<nav class="neighbours">${neighbour(post.previous, "prev", w.previous)}${neighbour(post.next, "next", w.next)}</nav>` : ""}`;
  document.title = `${post.title} · ${c.site.name ?? ""}`;
}

async function byTerm(kind: "category" | "tag", code: string, slug: string, page: number): Promise<void> {
  const c = await chrome(code);
  frame(c);
  if (kind === "category") {
    const category = ok(await api.GET("/api/v1/categories/by-slug/{slug}", { params: { path: { slug }, query: { edition: code } } }));
    await postList(c, category.name, { category: String(category.id) }, page);
  } else {
    const tag = ok(await api.GET("/api/v1/tags/by-slug/{slug}", { params: { path: { slug }, query: { edition: code } } }));
    await postList(c, tag.name, { tag: String(tag.id) }, page);
  }
}

async function author(slug: string, page: number): Promise<void> {
  const code = lastEdition ?? (await defaultEdition());
  const c = await chrome(code);
  frame(c);
  const profile = ok(await api.GET("/api/v1/authors/by-slug/{slug}", { params: { path: { slug } } }));
  await postList(c, profile.display_name, { author: String(profile.id) }, page);
  if (profile.bio) element("main").querySelector("h1")?.insertAdjacentHTML("afterend", `<p class="bio">${esc(profile.bio)}</p>`);
}

async function defaultEdition(): Promise<string> {
  const editions = ok(await api.GET("/api/v1/editions"));
  return (editions.data.find((e) => e.is_default) ?? editions.data[0])?.code ?? "en";
}

function notFound(code: string): void {
  element("main").innerHTML = `<h1>404</h1><p>${esc(words(code).missing)}</p>`;
}

/** Shows the page at `url`. */
async function route(url: URL): Promise<void> {
  const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const page = Math.max(1, Number(url.searchParams.get("page") ?? "1") || 1);
  const [code, first, second] = parts;
  if (code === undefined) {
    return go(`/${await defaultEdition()}/`, true);
  }
  try {
    if (code === "author" && first !== undefined) {
      return await author(first, page);
    }
    if (first === undefined) {
      const c = await chrome(code);
      frame(c);
      return await postList(c, c.site.name ?? code, {}, page);
    }
    if ((first === "category" || first === "tag") && second !== undefined) {
      return await byTerm(first, code, second, page);
    }
    if (first === "search") {
      const c = await chrome(code);
      frame(c);
      const q = url.searchParams.get("q") ?? "";
      const input = document.querySelector<HTMLInputElement>("form.search input");
      if (input) input.value = q;
      return await postList(c, `${words(code).results} «${q}»`, { search: q }, page);
    }
    if (second === undefined) {
      return await article(code, first);
    }
    notFound(code);
  } catch (e) {
    if (e instanceof ApiProblem && e.problem.status === 404) {
      const c = await chrome(lastEdition ?? code).catch(() => undefined);
      if (c) frame(c);
      return notFound(code);
    }
    throw e;
  }
}

async function go(path: string, replace = false): Promise<void> {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  await show();
}

async function show(): Promise<void> {
  document.body.dataset.state = "loading";
  try {
    await route(new URL(location.href));
    document.body.dataset.state = "ready";
  } catch (e) {
    element("main").innerHTML = `<h1>Error</h1><p>${esc(e instanceof Error ? e.message : String(e))}</p>`;
    document.body.dataset.state = "failed";
    throw e;
  }
  window.scrollTo(0, 0);
}

// Links and the search form stay in the page; the browser's history works.
document.addEventListener("click", (event) => {
  const link = event.target instanceof Element ? event.target.closest("a") : null;
  if (!link || link.origin !== location.origin || event.ctrlKey || event.metaKey) return;
  event.preventDefault();
  void go(link.pathname + link.search + link.hash);
});
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  event.preventDefault();
  const q = new FormData(form).get("q");
  void go(`${new URL(form.action).pathname}?q=${encodeURIComponent(typeof q === "string" ? q : "")}`);
});
window.addEventListener("popstate", () => void show());
await show();
