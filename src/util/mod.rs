//! Primitives with one implementation each, used by every layer above:
//! DER reading and writing, PEM blocks, hex, terminal escaping, random
//! bytes, the clock and the one date format. Nothing here depends on the
//! rest of the crate.

pub mod der;
pub mod escape;
pub mod hex;
pub mod pem;
pub mod rand;
pub mod time;
