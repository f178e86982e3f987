//! `nashr bench-data --posts N`: a large multilingual site for benchmarks,
//! on top of the demo site (its four editions, authors, nested categories
//! and pictures). Every story is written in all four editions (so `N / 4`
//! translation groups), about 400 words each in five paragraphs, with one
//! or two categories, three of 200 tags per edition and, for most, a
//! featured picture. Deterministic for a seed.
//!
//! Words for searching: in every edition one common word is in about a
//! third of the posts ([`COMMON`]) and one rare word in exactly one post in
//! a hundred ([`RARE`]; in English `zephyr`, as in the WordPress peer's
//! data set).
//!
//! Unlike every other write, it leaves nothing in the change log: it makes
//! a test site for load generators, in bulk, and nothing follows its log.

use diesel::prelude::*;

use crate::db::schema::{media, users};
use crate::db::Conn;
use crate::domain::{self, PostKind, PostStatus};
use crate::repo;
use crate::repo::posts::NewPost;
use crate::repo::tags::NewTag;
use crate::with_conn;

use super::slugify;

/// Per edition (en, ar, fa, sq): a word in about a third of the posts.
pub const COMMON: [&str; 4] = ["freedom", "الحرية", "آزادی", "liria"];
/// Per edition: a word in exactly one post in a hundred.
pub const RARE: [&str; 4] = ["zephyr", "زفير", "زفیر", "zefir"];

/// Syllables words are made of, per edition.
const SYLLABLES: [&[&str]; 4] = [
    &[
        "ka", "ro", "mi", "ne", "lo", "tu", "ra", "vel", "son", "dor", "pa", "li", "ber", "gan",
        "tis", "mon",
    ],
    &[
        "با", "را", "مه", "نو", "سا", "دة", "كو", "تر", "زي", "لا", "مي", "شا", "عل", "حم", "جد",
        "قو",
    ],
    &[
        "با", "را", "مه", "نو", "سا", "ده", "کو", "تر", "زی", "لا", "می", "شا", "گل", "پر", "چو",
        "ژن",
    ],
    &[
        "ka", "re", "lë", "ço", "shi", "ma", "të", "ri", "na", "për", "do", "gu", "zh", "dhe",
        "ll", "bu",
    ],
];

const TAGS_PER_EDITION: usize = 200;
const BATCH: usize = 500;

/// A small, fast, deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn word(&mut self, edition: usize) -> String {
        let syllables = SYLLABLES[edition];
        let n = 1 + self.below(3);
        (0..n)
            .map(|_| syllables[self.below(syllables.len())])
            .collect()
    }

    fn words(&mut self, edition: usize, n: usize) -> Vec<String> {
        (0..n).map(|_| self.word(edition)).collect()
    }
}

/// What was made.
#[derive(Debug, Default)]
pub struct Made {
    pub posts: usize,
    pub tags: usize,
}

/// Adds `posts` posts (rounded up to whole stories of four) to a database
/// holding the demo site, reporting progress through `progress(done)`.
pub fn generate(
    conn: &mut Conn,
    posts: usize,
    seed: u64,
    mut progress: impl FnMut(usize),
) -> Result<Made, diesel::result::Error> {
    let mut rng = Rng(seed.max(1));
    let editions = repo::editions::all(conn)?;
    let codes = ["en", "ar", "fa", "sq"];
    let edition_ids: Vec<i64> = codes
        .iter()
        .map(|c| editions.by_code(c).map(|e| e.id))
        .collect::<Option<_>>()
        .ok_or(diesel::result::Error::NotFound)?;
    let authors: Vec<i64> =
        with_conn!(conn, c => users::table.select(users::id).order(users::id).load(c))?;
    let mut categories = Vec::new();
    let mut pictures = Vec::new();
    for &id in &edition_ids {
        let cats: Vec<i64> = repo::categories::all(conn, Some(id))?
            .iter()
            .map(|c| c.id)
            .collect();
        categories.push(cats);
        let pics: Vec<i64> = with_conn!(conn, c => media::table
            .filter(media::edition_id.eq(id))
            .filter(media::kind.eq("image"))
            .select(media::id)
            .load(c))?;
        pictures.push(pics);
    }

    let now = domain::now();
    let mut made = Made::default();
    let tags = conn.transaction(|conn| {
        let mut tags = vec![Vec::new(); codes.len()];
        for n in 0..TAGS_PER_EDITION {
            let group = repo::new_translation_group();
            for (e, &edition_id) in edition_ids.iter().enumerate() {
                let name = format!("{} {}", rng.word(e), rng.word(e));
                let slug = format!("{}-bench-{n}", slugify(&name));
                tags[e].push(repo::tags::insert(
                    conn,
                    &NewTag {
                        edition_id,
                        slug: &slug,
                        name: &name,
                        description: "",
                        translation_group: &group,
                        created_at: now,
                        updated_at: now,
                        created_by: None,
                        updated_by: None,
                    },
                )?);
            }
        }
        Ok::<_, diesel::result::Error>(tags)
    })?;
    made.tags = TAGS_PER_EDITION * codes.len();

    let stories = posts.div_ceil(codes.len());
    let first = now - chrono::Duration::minutes(10 * stories as i64 + 60);
    let mut story = 0;
    while story < stories {
        let end = (story + BATCH / codes.len()).min(stories);
        conn.transaction(|conn| {
            for s in story..end {
                let group = repo::new_translation_group();
                let published_at = first + chrono::Duration::minutes(10 * s as i64);
                for (e, &edition_id) in edition_ids.iter().enumerate() {
                    let n = s * codes.len() + e;
                    let title_words = 6 + rng.below(5);
                    let title = rng.words(e, title_words).join(" ");
                    let mut body = String::new();
                    for p in 0..5 {
                        let mut words = rng.words(e, 80);
                        if p == 2 && rng.below(3) == 0 {
                            words.insert(1 + rng.below(78), COMMON[e].to_string());
                        }
                        if p == 3 && s % 100 == 37 {
                            words.insert(1 + rng.below(78), RARE[e].to_string());
                        }
                        body.push_str("<p>");
                        body.push_str(&words.join(" "));
                        body.push_str(".</p>\n");
                    }
                    let excerpt = rng.words(e, 25).join(" ");
                    let slug = format!("{}-{n}", slugify(&title));
                    let cats = &categories[e];
                    let mut post_cats = vec![cats[rng.below(cats.len())]];
                    if rng.below(3) == 0 {
                        post_cats.push(cats[rng.below(cats.len())]);
                    }
                    post_cats.sort_unstable();
                    post_cats.dedup();
                    let mut post_tags: Vec<i64> = (0..3)
                        .map(|_| tags[e][rng.below(TAGS_PER_EDITION)])
                        .collect();
                    post_tags.sort_unstable();
                    post_tags.dedup();
                    let pics = &pictures[e];
                    let featured_media_id = (!pics.is_empty() && rng.below(10) < 7)
                        .then(|| pics[rng.below(pics.len())]);
                    repo::posts::insert(
                        conn,
                        &NewPost {
                            edition_id,
                            kind: PostKind::Article.as_str(),
                            slug: &slug,
                            title: &title,
                            excerpt: &excerpt,
                            content: &body,
                            status: PostStatus::Published.as_str(),
                            published_at: Some(published_at),
                            author_id: authors.get(rng.below(authors.len())).copied(),
                            featured_media_id,
                            parent_id: None,
                            featured: s % 50 == 0,
                            comments_open: true,
                            comment_count: 0,
                            translation_group: &group,
                            created_at: published_at,
                            updated_at: published_at,
                            created_by: None,
                            updated_by: None,
                            published_by: None,
                        },
                        &post_cats,
                        &post_tags,
                    )?;
                    made.posts += 1;
                }
            }
            Ok::<_, diesel::result::Error>(())
        })?;
        story = end;
        progress(made.posts);
    }
    // Planner statistics, as autovacuum would gather them after such a
    // load: without them PostgreSQL guesses that few posts are live.
    conn.analyze()?;
    Ok(made)
}
