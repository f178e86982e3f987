//! `nashr export DIR` and `nashr import nashr DIR` (see [`crate::backup`]).

use std::path::Path;
use std::time::{Duration, Instant};

use crate::backup;
use crate::config::StoreSettings;
use crate::db::{self, Pool};

type CliResult = Result<(), Box<dyn std::error::Error>>;

fn connect(settings: &StoreSettings) -> Result<Pool, Box<dyn std::error::Error>> {
    Ok(Pool::connect(
        &settings.database_url,
        1,
        Duration::from_secs(settings.db_timeout_secs),
    )?)
}

pub fn export(settings: &StoreSettings, dir: &Path, with_secrets: bool) -> CliResult {
    let pool = connect(settings)?;
    let mut pooled = pool.get()?;
    db::run_migrations(&mut pooled.conn)?;
    let store = settings.media_store()?;
    let started = Instant::now();
    let manifest = super::with_store_runtime(|handle| {
        backup::export(&mut pooled.conn, &store, handle, dir, with_secrets)
    })??;
    for (table, rows) in &manifest.tables {
        println!("{rows:>8}  {table}");
    }
    println!(
        "{:>8}  files\nexported to {} in {:.1?}{}",
        manifest.files,
        dir.display(),
        started.elapsed(),
        if with_secrets {
            " (with password hashes and script tokens: keep it safe)"
        } else {
            " (without password hashes and script tokens)"
        }
    );
    Ok(())
}

pub fn restore(settings: &StoreSettings, dir: &Path) -> CliResult {
    let pool = connect(settings)?;
    let mut pooled = pool.get()?;
    db::run_migrations(&mut pooled.conn)?;
    let store = settings.media_store()?;
    let started = Instant::now();
    let restored = super::with_store_runtime(|handle| {
        backup::restore(&mut pooled.conn, &store, handle, dir)
    })??;
    for (table, rows) in &restored.rows {
        println!("{rows:>8}  {table}");
    }
    println!(
        "{:>8}  files\nrestored from {} in {:.1?}",
        restored.files,
        dir.display(),
        started.elapsed()
    );
    if restored.users_without_password > 0 {
        println!(
            "{} users have no password yet: give them one with `nashr user set-password NAME`",
            restored.users_without_password
        );
    }
    Ok(())
}
