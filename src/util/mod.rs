//! Primitives every layer may use and that use nothing of the crate: DER
//! reading and writing, terminal escaping, random bytes.

pub mod der;
pub mod escape;
pub mod rand;
