//! Moving content in from elsewhere: WordPress exports ([`wxr`] reads
//! them, [`wordpress`] writes what they hold), and the old addresses of
//! what came in ([`redirects`]).

pub mod redirects;
pub mod wordpress;
pub mod wxr;
