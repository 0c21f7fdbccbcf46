//! Tests that drive real tools: servers from Debian packages, `openssl`,
//! keytool and a JVM, mount and network namespaces, Wine
//! (`cargo test --test tools`; the README test command installs them all).

#[path = "../common/mod.rs"]
mod common;
mod support;

mod cli_fuzz;
mod differential;
mod export_and_find;
mod fix_end_to_end;
mod fuzz_seeds;
mod hardening;
mod harness_dovecot;
mod harness_mariadb;
mod harness_postfix;
mod harness_postgres;
mod harness_slapd;
mod http_harness;
mod java_stores;
mod kill_writes;
mod legacy_servers;
mod linux_anchors;
mod preflight;
mod real_servers;
mod refused_writes;
mod revocation;
mod scenarios;
mod seed_case;
mod show_and_demo;
mod signatures;
mod windows_wine;
