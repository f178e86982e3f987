//! Moving content in from elsewhere. So far: reading WordPress exports
//! ([`wxr`]); writing what they hold into Nashr comes next (issue 6).

pub mod wordpress;
pub mod wxr;
