//! Primitives every layer may use and that use nothing of the crate: one
//! implementation each.

pub mod hex;
pub mod pem;
