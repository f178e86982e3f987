//! `nashr user ...`: managing accounts from a shell on the server.

use std::io::BufRead;

use clap::Subcommand;

use crate::auth::password;
use crate::config::StoreSettings;
use crate::content::error::WriteError;
use crate::content::precondition::IfMatch;
use crate::content::users::{self, NewAccount, UserEdit};
use crate::db;
use crate::domain::access::Actor;
use crate::domain::Role;
use crate::repo;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. The password comes from standard input with
    /// `--password-stdin`, or is generated and printed once.
    Create {
        /// The name they log in with (letters, digits, `.`, `_`, `-`;
        /// kept in lower case).
        username: String,
        /// What they may do: admin, editor, author or contributor.
        #[arg(long, value_parser = parse_role, default_value = "author")]
        role: Role,
        /// The name shown on their posts (default: the username).
        #[arg(long)]
        display_name: Option<String>,
        /// Their e-mail address (never on public routes).
        #[arg(long)]
        email: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users.
    List,
    /// Set a user's password (from standard input, or generated).
    SetPassword {
        /// Whose password.
        username: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Change a user's role: admin, editor, author or contributor.
    SetRole {
        /// Whose role.
        username: String,
        /// The new role: admin, editor, author or contributor.
        #[arg(value_parser = parse_role)]
        role: Role,
    },
    /// Disable a user: their logins and script tokens stop working.
    Disable {
        /// Who.
        username: String,
    },
    /// Enable a disabled user again.
    Enable {
        /// Who.
        username: String,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
}

type CliResult = Result<(), Box<dyn std::error::Error>>;

fn password_from(stdin: bool) -> Result<(String, bool), Box<dyn std::error::Error>> {
    if stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let password = line.trim_end_matches(['\r', '\n']).to_string();
        Ok((password, false))
    } else {
        Ok((users::generate_password(), true))
    }
}

fn explain(e: WriteError) -> Box<dyn std::error::Error> {
    e.summary().into()
}

pub fn run(settings: &StoreSettings, command: UserCommand) -> CliResult {
    let mut pooled = super::migrated_connection(settings)?;
    let conn = &mut pooled.conn;
    let find = |conn: &mut db::Conn,
                username: &str|
     -> Result<repo::users::UserRow, Box<dyn std::error::Error>> {
        repo::users::find_by_username(conn, &username.to_lowercase())?
            .ok_or_else(|| format!("no user `{username}`").into())
    };
    // Whoever has a shell on the server may change anyone.
    let change = |conn: &mut db::Conn, id: i64, edit: UserEdit| -> CliResult {
        conn.transaction(|conn| {
            users::update(conn, &Actor::SYSTEM, id, &IfMatch::any(), edit, None)
        })
        .map_err(explain)?;
        Ok(())
    };
    match command {
        UserCommand::Create {
            username,
            role,
            display_name,
            email,
            password_stdin,
        } => {
            let (password, generated) = password_from(password_stdin)?;
            let account = NewAccount {
                username: username.clone(),
                password: Some(password.clone()),
                role,
                display_name,
                email,
                bio: None,
            };
            let id = conn
                .transaction(|conn| users::create(conn, &account))
                .map_err(explain)?;
            println!("created user {id} `{}` ({role})", username.to_lowercase());
            if generated {
                println!("password: {password}");
            }
        }
        UserCommand::List => {
            let all = crate::db::keyset::Window {
                limit: i64::MAX,
                offset: 0,
                after: None,
            };
            let (users, _) = repo::users::list_users(conn, &all)?;
            println!(
                "{:>5}  {:<24} {:<12} {:<9} {:<8} display name",
                "id", "username", "role", "state", "login"
            );
            for u in users {
                let state = if u.disabled { "disabled" } else { "active" };
                let login = if u.password_hash.is_some() {
                    "yes"
                } else {
                    "no"
                };
                println!(
                    "{:>5}  {:<24} {:<12} {:<9} {:<8} {}",
                    u.id, u.username, u.role, state, login, u.display_name
                );
            }
        }
        UserCommand::SetPassword {
            username,
            password_stdin,
        } => {
            let user = find(conn, &username)?;
            let (password, generated) = password_from(password_stdin)?;
            if let Some(problem) = users::check_password(&password) {
                return Err(format!("password: {}", problem.message).into());
            }
            change(
                conn,
                user.id,
                UserEdit {
                    password_hash: Some(password::hash(&password)),
                    ..Default::default()
                },
            )?;
            println!(
                "password of `{}` changed; its logins ended and its script tokens revoked",
                user.username
            );
            if generated {
                println!("password: {password}");
            }
        }
        UserCommand::SetRole { username, role } => {
            let user = find(conn, &username)?;
            change(
                conn,
                user.id,
                UserEdit {
                    role: Some(role),
                    ..Default::default()
                },
            )?;
            println!("`{}` is now {role}", user.username);
        }
        UserCommand::Disable { username } => {
            let user = find(conn, &username)?;
            change(
                conn,
                user.id,
                UserEdit {
                    disabled: Some(true),
                    ..Default::default()
                },
            )?;
            println!(
                "`{}` is disabled; its logins ended and its script tokens revoked",
                user.username
            );
        }
        UserCommand::Enable { username } => {
            let user = find(conn, &username)?;
            change(
                conn,
                user.id,
                UserEdit {
                    disabled: Some(false),
                    ..Default::default()
                },
            )?;
            println!("`{}` is enabled", user.username);
        }
    }
    Ok(())
}
