//! How long what writers send may be, the same for every way content comes
//! in (the API, an import): in characters, except [`MAX_CONTENT`] (bytes
//! of what is sent).

/// A category's, tag's or menu's name; a media item's title.
pub const MAX_NAME: usize = 200;
/// A category's or tag's description.
pub const MAX_DESCRIPTION: usize = 5000;
/// A post's title.
pub const MAX_TITLE: usize = 300;
/// A post's excerpt.
pub const MAX_EXCERPT: usize = 1000;
/// A post's content as sent, before it is cleaned or rendered.
pub const MAX_CONTENT: usize = 512 * 1024;
