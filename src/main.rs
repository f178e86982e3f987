use std::process::ExitCode;

use clap::{Parser, Subcommand};
use nashr::config::{Settings, StoreSettings};
use nashr::startup::Application;

/// Nashr: a headless, multilingual content API.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default when no command is given).
    Serve {
        #[command(flatten)]
        settings: Box<Settings>,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        settings: StoreSettings,
    },
    /// Manage user accounts.
    User {
        #[command(flatten)]
        settings: StoreSettings,
        #[command(subcommand)]
        command: nashr::cli::UserCommand,
    },
    /// Manage language editions.
    Edition {
        #[command(flatten)]
        settings: StoreSettings,
        #[command(subcommand)]
        command: nashr::cli::editions::EditionCommand,
    },
    /// Bring content in from elsewhere.
    Import {
        #[command(flatten)]
        settings: StoreSettings,
        #[command(subcommand)]
        command: nashr::cli::import::ImportCommand,
    },
    /// Write the whole site (content, users, media files) into a new
    /// folder as NDJSON and files, for backups and moving to another
    /// database: `nashr import nashr DIR` restores it.
    Export {
        #[command(flatten)]
        settings: StoreSettings,
        /// The folder to write (new, or empty).
        dir: std::path::PathBuf,
        /// Include password hashes and script tokens (keep the folder safe).
        #[arg(long)]
        with_secrets: bool,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Fill the database with a large multilingual site for benchmarks:
    /// the demo site (loaded first when the database is empty) and
    /// `--posts` more articles in four editions.
    BenchData {
        #[command(flatten)]
        settings: StoreSettings,
        /// How many articles to add (whole stories of four translations).
        #[arg(long, default_value_t = 10_000)]
        posts: usize,
        /// Seed of the generator: the same seed makes the same site.
        #[arg(long, default_value_t = 20_261_201)]
        seed: u64,
    },
}

fn main() -> ExitCode {
    // A missing .env is normal; a malformed one is worth a word.
    if let Err(e) = dotenvy::dotenv() {
        if !e.not_found() {
            eprintln!("warning: could not read .env: {e}");
        }
    }
    let cli = Cli::parse();
    nashr::telemetry::init();
    let result = match cli.command {
        None => serve(Settings::from_env()),
        Some(Command::Serve { settings }) => serve(*settings),
        Some(Command::Migrate { settings }) => migrate(settings),
        Some(Command::User { settings, command }) => nashr::cli::run(&settings, command),
        Some(Command::Edition { settings, command }) => {
            nashr::cli::editions::run(&settings, command)
        }
        Some(Command::Import { settings, command }) => nashr::cli::import::run(&settings, command),
        Some(Command::Export {
            settings,
            dir,
            with_secrets,
        }) => nashr::cli::backup::export(&settings, &dir, with_secrets),
        Some(Command::BenchData {
            settings,
            posts,
            seed,
        }) => bench_data(settings, posts, seed),
        Some(Command::Openapi) => {
            print!("{}", nashr::openapi::document_json());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Said once, plainly: the log has said what led to it.
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve(settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings).await?;
        app.run_until_stopped().await?;
        Ok(())
    })
}

fn bench_data(
    store: StoreSettings,
    posts: usize,
    seed: u64,
) -> Result<(), Box<dyn std::error::Error>> {
    let settings = Settings {
        store,
        demo: true,
        addr: "127.0.0.1:0".into(),
        ..Settings::from_env()
    };
    actix_web::rt::System::new().block_on(async move {
        // Migrations, the demo site and its files, as `serve --demo` does.
        let app = Application::build(settings).await?;
        let pool = app.pool().clone();
        let started = std::time::Instant::now();
        let made = actix_web::web::block(move || {
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            nashr::demo::bench::generate(&mut conn.conn, posts, seed, |done| {
                eprint!("\r{done} posts");
            })
            .map_err(|e| e.to_string())
        })
        .await??;
        eprintln!();
        println!(
            "added {} posts and {} tags in {:.1} s",
            made.posts,
            made.tags,
            started.elapsed().as_secs_f64()
        );
        Ok(())
    })
}

fn migrate(settings: StoreSettings) -> Result<(), Box<dyn std::error::Error>> {
    let pool = nashr::db::Pool::connect(
        &settings.database_url,
        1,
        std::time::Duration::from_secs(settings.db_timeout_secs),
    )?;
    let mut conn = pool.get()?;
    let applied = nashr::db::run_migrations(&mut conn.conn)?;
    println!("{} migration(s) applied", applied.len());
    Ok(())
}
