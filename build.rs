//! The migrations are embedded in the binary (`embed_migrations!`), which
//! does not tell cargo to watch their folders: without this, a new
//! migration is missed by an incremental build.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
