//! `nashr import wordpress FILE --edition CODE`: progress on the terminal,
//! a table of what happened at the end, the redirect map as CSV.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Subcommand;

use crate::config::StoreSettings;
use crate::db::keyset::Window;
use crate::db::Conn;
use crate::import::redirects;
use crate::import::wordpress::{self, Options, Report};
use crate::media::Store;
use crate::repo;

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import a WordPress export (Tools → Export, a WXR file) into an
    /// edition. Running it again updates what changed and nothing else.
    Wordpress {
        /// The export file.
        file: PathBuf,
        /// The edition (code) it goes into; with Polylang, the edition of
        /// everything without a language. Made if it does not exist, named
        /// from the flags below and a built-in table of languages.
        #[arg(long)]
        edition: String,
        #[command(flatten)]
        naming: super::editions::NamingArgs,
        /// A copy of the site's `wp-content/uploads` folder; attachments
        /// found there are stored as uploads (in the media store), the rest
        /// are kept as links to their original URLs.
        #[arg(long, value_name = "DIR")]
        uploads_dir: Option<PathBuf>,
        /// Do everything, report it, and keep nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write the redirect map (old address, new address, status) to
        /// this CSV file. New addresses of media files start with
        /// `NASHR_PUBLIC_URL` (or the bucket's public URL).
        #[arg(long)]
        redirects: Option<PathBuf>,
    },
    /// Restore a `nashr export` folder into an empty database (of either
    /// kind) and its media store.
    Nashr {
        /// The folder `nashr export` wrote.
        dir: PathBuf,
    },
}

type CliResult = Result<(), Box<dyn std::error::Error>>;

pub fn run(settings: &StoreSettings, command: ImportCommand) -> CliResult {
    let (file, edition, naming, uploads_dir, dry_run, redirects) = match command {
        ImportCommand::Nashr { dir } => return super::backup::restore(settings, &dir),
        ImportCommand::Wordpress {
            file,
            edition,
            naming,
            uploads_dir,
            dry_run,
            redirects,
        } => (file, edition, naming, uploads_dir, dry_run, redirects),
    };
    let mut pooled = super::migrated_connection(settings)?;
    let conn = &mut pooled.conn;
    let store = settings.media_store()?;
    let options = Options {
        edition,
        media_dir: uploads_dir,
        dry_run,
        max_pixels: settings.max_image_pixels,
        naming: naming.into(),
    };
    let started = Instant::now();
    let mut bar = Progress::new();
    let report = super::with_store_runtime(|handle| {
        let put = |p: &crate::media::upload::Processed| store_files(handle, &store, p);
        wordpress::import(conn, &file, &options, &put, &mut |done, total| {
            bar.show(done, total)
        })
    })?;
    let report = report?;
    bar.finish();
    print_report(&report, started.elapsed());
    if let Some(csv) = redirects {
        if dry_run {
            println!("dry run: no redirect map written");
        } else {
            // Where the server says its files are (NASHR_PUBLIC_URL, or
            // its listening address).
            let server = crate::config::Settings::from_env();
            let public_url = server
                .public_url
                .unwrap_or_else(|| format!("http://{}", server.addr));
            let media_url = store.public_base(public_url.trim_end_matches('/'));
            let n = write_redirects(conn, &report, &media_url, &csv)?;
            println!(
                "{n} redirects written to {} (every old address of the editions written to, earlier imports' too)",
                csv.display()
            );
        }
    }
    Ok(())
}

/// Puts an upload's files in the store, from outside any async context
/// (`runtime` must be driven by a thread of its own).
pub fn store_files(
    runtime: &tokio::runtime::Handle,
    store: &Store,
    p: &crate::media::upload::Processed,
) -> Result<(), String> {
    runtime
        .block_on(store.put_all(p.files()))
        .map(|_| ())
        .map_err(|e| format!("could not store the file: {e}"))
}

/// A bar on a terminal, a line every 10 % otherwise.
struct Progress {
    terminal: bool,
    last: Instant,
    shown_tenth: u64,
}

impl Progress {
    fn new() -> Progress {
        Progress {
            terminal: std::io::stderr().is_terminal(),
            last: Instant::now(),
            shown_tenth: 0,
        }
    }

    fn show(&mut self, done: u64, total: u64) {
        let total = total.max(1);
        if self.terminal {
            if self.last.elapsed() < Duration::from_millis(100) && done < total {
                return;
            }
            self.last = Instant::now();
            let filled = (done * 30 / total) as usize;
            eprint!(
                "\r[{}{}] {done}/{total} items",
                "#".repeat(filled),
                ".".repeat(30 - filled.min(30))
            );
        } else {
            let tenth = done * 10 / total;
            if tenth > self.shown_tenth || done == total {
                self.shown_tenth = tenth;
                eprintln!("{done}/{total} items");
            }
        }
    }

    fn finish(&self) {
        if self.terminal {
            eprintln!();
        }
    }
}

fn print_report(report: &Report, took: Duration) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{}imported in {:.1} s",
        if report.dry_run { "dry run: " } else { "" },
        took.as_secs_f64()
    );
    if let Some(edition) = &report.created_edition {
        let _ = writeln!(
            out,
            "edition {edition} created (`nashr edition update` changes it)"
        );
    }
    let _ = writeln!(
        out,
        "{:<10} {:>8} {:>8} {:>10} {:>8}",
        "kind", "created", "updated", "unchanged", "skipped"
    );
    for (kind, c) in &report.counts {
        let _ = writeln!(
            out,
            "{kind:<10} {:>8} {:>8} {:>10} {:>8}",
            c.created, c.updated, c.unchanged, c.skipped
        );
    }
    let _ = writeln!(
        out,
        "{} old addresses recorded as redirects",
        report.redirects
    );
    if !report.remote_media.is_empty() {
        let _ = writeln!(
            out,
            "\n{} media items kept as links to their original files:",
            report.remote_media.len()
        );
        for url in &report.remote_media {
            let _ = writeln!(out, "  {url}");
        }
    }
    if !report.problems.is_empty() {
        let _ = writeln!(
            out,
            "\n{} records not taken or taken in part:",
            report.problems.len()
        );
        for p in &report.problems {
            let _ = writeln!(out, "  {} {} \"{}\": {}", p.kind, p.id, p.title, p.reason);
        }
    }
}

/// Writes the redirects of the editions imported into as CSV; answers how
/// many.
fn write_redirects(
    conn: &mut Conn,
    report: &Report,
    media_url: &str,
    path: &Path,
) -> Result<usize, Box<dyn std::error::Error>> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "from,to,status")?;
    let editions = repo::editions::all(conn)?;
    let mut written = 0;
    for &edition in &report.edition_ids {
        let mut offset = 0;
        loop {
            let window = Window {
                limit: 1000,
                offset,
                after: None,
            };
            let (rows, _) = repo::imports::list_redirects(conn, Some(edition), None, &window)?;
            if rows.is_empty() {
                break;
            }
            let to = redirects::destinations(conn, &editions, media_url, &rows)?;
            for (row, to) in rows.iter().zip(to) {
                let (to, status) = match to {
                    Some(to) => (to, 301),
                    None => (String::new(), 410),
                };
                writeln!(out, "{},{},{status}", csv(&row.from_path), csv(&to))?;
                written += 1;
            }
            offset += 1000;
        }
    }
    out.flush()?;
    Ok(written)
}

/// A CSV field, quoted when it needs to be.
fn csv(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}
