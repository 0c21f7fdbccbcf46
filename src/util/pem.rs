//! PEM for the whole crate: `blocks` (the one segmentation: the loader,
//! the CRL reader and the bundle editor agree on what a text holds),
//! `decode_body` and `encode`. The code is `trustfix_platform::pem`, the
//! workspace's one implementation, because the platform crate reads and
//! writes anchor files too and cannot depend on this one; this module adds
//! which labels the main crate reads as what.

pub use trustfix_platform::pem::{
    blocks, decode_body, encode, encode_block, iter_blocks, Block, Blocks,
};

/// Labels whose body is one X.509 certificate.
pub fn is_certificate(label: &str) -> bool {
    matches!(
        label,
        "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE"
    )
}

/// Labels whose body is a PKCS#7 / CMS structure (certificates inside).
pub fn is_pkcs7(label: &str) -> bool {
    matches!(label, "PKCS7" | "CMS")
}
