//! Tests that need nothing but the binary, its library and the test data:
//! no servers, no keytool, no namespaces, no Wine (`cargo test --test pure`).

#[path = "../common/mod.rs"]
mod common;

mod bad_input;
mod golden;
mod hostile_servers;
mod layering;
mod limbo;
mod readme;
mod starttls_fakes;
