//! `nashr edition list|create|update`: language editions from a shell on
//! the server, for a fresh database before an import (the API's
//! `/api/v1/editions` does the same for admins).

use clap::{Args, Subcommand};

use crate::config::StoreSettings;
use crate::content::editions::{self, EditionEdit, Naming, NewEdition};
use crate::content::precondition::IfMatch;
use crate::domain::Direction;
use crate::repo;

fn parse_direction(s: &str) -> Result<Direction, String> {
    match s {
        "ltr" => Ok(Direction::Ltr),
        "rtl" => Ok(Direction::Rtl),
        other => Err(format!("`{other}` is not ltr or rtl")),
    }
}

/// How an edition is named and written, where the language table is not
/// to be followed.
#[derive(Debug, Clone, Default, Args)]
pub struct NamingArgs {
    /// The edition's name in English (default: from the built-in table
    /// of languages, else the code).
    #[arg(long)]
    pub edition_name: Option<String>,
    /// The edition's name in its own language (default: as for the name).
    #[arg(long)]
    pub edition_native_name: Option<String>,
    /// Writing direction, `ltr` or `rtl` (default: the language's).
    #[arg(long, value_parser = parse_direction)]
    pub edition_direction: Option<Direction>,
}

impl From<NamingArgs> for Naming {
    fn from(a: NamingArgs) -> Naming {
        Naming {
            name: a.edition_name,
            native_name: a.edition_native_name,
            direction: a.edition_direction,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum EditionCommand {
    /// List the editions, in display order.
    List,
    /// Add an edition. Names and direction come from a built-in table of
    /// languages unless given; the first edition becomes the default.
    Create {
        /// BCP 47 language code: `fa`, `sq`, `pt-BR`.
        code: String,
        #[command(flatten)]
        naming: NamingArgs,
        /// Make it the default edition.
        #[arg(long)]
        default: bool,
    },
    /// Change an edition's names, direction, order, or make it the default.
    Update {
        /// The edition's code.
        code: String,
        #[command(flatten)]
        naming: NamingArgs,
        /// Make it the default edition.
        #[arg(long)]
        default: bool,
        /// Its place in the display order (0 first).
        #[arg(long)]
        position: Option<i32>,
    },
}

type CliResult = Result<(), Box<dyn std::error::Error>>;

pub fn run(settings: &StoreSettings, command: EditionCommand) -> CliResult {
    let mut pooled = super::migrated_connection(settings)?;
    let conn = &mut pooled.conn;
    match command {
        EditionCommand::List => {}
        EditionCommand::Create {
            code,
            naming,
            default,
        } => {
            let new = NewEdition {
                is_default: default.then_some(true),
                ..NewEdition::of_language(&code, &naming.into(), None)
            };
            let code = editions::create(conn, new).map_err(|e| e.summary())?;
            println!("edition `{code}` created");
        }
        EditionCommand::Update {
            code,
            naming,
            default,
            position,
        } => {
            let edit = EditionEdit {
                name: naming.edition_name,
                native_name: naming.edition_native_name,
                direction: naming.edition_direction,
                is_default: default.then_some(true),
                position,
            };
            editions::update(conn, &code, &IfMatch::any(), edit).map_err(|e| e.summary())?;
            println!("edition `{code}` updated");
        }
    }
    for e in repo::editions::all(conn)?.0 {
        println!(
            "{:<8} {:<4} {}{} ({})",
            e.code,
            e.direction,
            e.name,
            if e.is_default { ", default" } else { "" },
            e.native_name
        );
    }
    Ok(())
}
