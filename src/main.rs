use std::process::ExitCode;

use clap::{Parser, Subcommand};
use nashr::config::Settings;
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
        settings: Settings,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        settings: Settings,
    },
    /// Manage user accounts.
    User {
        #[command(flatten)]
        settings: Settings,
        #[command(subcommand)]
        command: nashr::cli::UserCommand,
    },
    /// Print the OpenAPI document.
    Openapi,
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
        Some(Command::Serve { settings }) => serve(settings),
        Some(Command::Migrate { settings }) => migrate(settings),
        Some(Command::User { settings, command }) => nashr::cli::run(&settings, command),
        Some(Command::Openapi) => {
            print!("{}", nashr::openapi::document_json());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
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

fn migrate(settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
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
