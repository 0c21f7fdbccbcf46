//! Primitives with one implementation each, used by every layer above.
//! Nothing here depends on the rest of the crate.

pub mod hex;
pub mod pem;
pub mod time;
