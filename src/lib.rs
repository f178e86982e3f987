//! Nashr: a headless, multilingual content API.

pub mod auth;
pub mod backup;
pub mod caching;
pub mod cli;
pub mod config;
pub mod content;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod import;
pub mod media;
pub mod metrics;
pub mod openapi;
pub mod ratelimit;
pub mod repo;
pub mod routes;
pub mod security;
pub mod startup;
pub mod telemetry;
pub mod webhooks;
