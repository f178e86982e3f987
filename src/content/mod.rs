//! The content layer: what a write means, whichever path makes it (the
//! API, the importer, a restore, the CLI, the demo, the scheduler).
//!
//! - [`checks`]: the rules of writing shared by every resource: text,
//!   slugs, translation groups.
//! - [`posts`], [`terms`] (categories and tags), [`menus`], [`editions`],
//!   [`media`] (descriptions, deletion): the write commands, each checking its input and the writer's rights,
//!   in one transaction.
//! - [`comments`]: reader comments, their moderation and each post's
//!   `comment_count`.
//! - [`site`]: each edition's site settings (name, logo, social links).
//! - [`previews`]: tokens that read one unpublished post, for a
//!   frontend's draft mode.
//! - [`changes`]: the change log, one row per change of public meaning,
//!   written in the same transaction as the change.
//! - [`schedule`]: scheduled posts going live, recorded once across
//!   instances.
//! - [`retention`]: pruning the log.
//! - [`error`]: what a write fails with; [`precondition`]: `If-Match`.

pub mod changes;
pub mod checks;
pub mod comments;
pub mod editions;
pub mod error;
pub mod media;
pub mod menus;
pub mod posts;
pub mod precondition;
pub mod previews;
pub mod retention;
pub mod schedule;
pub mod site;
pub mod terms;
pub mod users;
