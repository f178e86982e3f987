//! Black-box tests: the real server on a loopback port, a fresh database per
//! test (SQLite, or PostgreSQL when `TEST_DATABASE_URL` is set).

mod architecture;
mod auth;
mod authors;
mod backup;
mod caching;
mod camera;
mod changes;
mod cursors;
mod demo;
mod editions;
mod errors;
mod faults;
mod feeds;
mod helpers;
mod hostile;
mod imports;
mod invalidation;
mod media;
mod menus;
mod openapi;
mod operations;
mod permissions;
mod posts;
mod process;
mod queries;
mod schema_parity;
mod scopes;
mod search;
mod security;
mod shaping;
mod snapshots;
mod startup;
mod taxonomies;
mod uploads;
mod writes;
