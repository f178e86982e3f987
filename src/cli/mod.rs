//! Commands run from a shell on the server: `nashr user ...` and
//! `nashr import ...`.

pub mod import;
mod users;

pub use users::{run, UserCommand};
