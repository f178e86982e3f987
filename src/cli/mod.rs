//! Commands run from a shell on the server: `nashr user ...`,
//! `nashr import ...` and `nashr export DIR`.

pub mod backup;
pub mod editions;
pub mod import;
mod users;

pub use users::{run, UserCommand};

/// One connection to the configured database, its migrations applied:
/// what every command run from a shell starts with.
pub fn migrated_connection(
    settings: &crate::config::StoreSettings,
) -> Result<diesel::r2d2::PooledConnection<crate::db::Manager>, Box<dyn std::error::Error>> {
    let pool = crate::db::Pool::connect(
        &settings.database_url,
        1,
        std::time::Duration::from_secs(settings.db_timeout_secs),
    )?;
    let mut pooled = pool.get()?;
    crate::db::run_migrations(&mut pooled.conn)?;
    Ok(pooled)
}

/// Runs `work` with a runtime whose I/O a thread of its own drives, so that
/// blocking code (database work) can wait on the media store's calls.
pub fn with_store_runtime<T>(
    work: impl FnOnce(&tokio::runtime::Handle) -> T,
) -> std::io::Result<T> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let handle = runtime.handle().clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let driver = std::thread::spawn(move || {
        let _ = runtime.block_on(stopped);
    });
    let result = work(&handle);
    let _ = stop.send(());
    let _ = driver.join();
    Ok(result)
}
