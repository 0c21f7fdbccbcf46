//! trustfix: why does this client reject this server's certificate, and
//! what must go into which trust store to fix it?
//!
//! Data flows one way: `fetch` (or `load`) -> `path` -> `diagnose` ->
//! `report`. `run` wires the stages; `main.rs` and `cli` only parse and
//! dispatch.

pub mod aia;
pub mod cert;
pub mod cli;
pub mod cmd;
pub mod demo;
pub mod diagnose;
pub mod edit;
pub mod error;
pub mod export;
pub mod fetch;
pub mod fix;
pub mod inventory;
pub mod journal;
pub mod keystore;
pub mod load;
pub mod names;
pub mod net;
pub mod path;
pub mod platform_verdict;
pub mod preflight;
pub mod report;
pub mod revocation;
pub mod run;
pub mod sig;
pub mod store;
pub mod target;
pub mod util;
