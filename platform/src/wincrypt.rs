//! The few crypt32 calls trustfix needs, as small owned wrappers over
//! `windows-sys` (the crate `schannel` itself is built on).
//!
//! Why not `schannel`: it hides the store handle, so a store cannot be
//! committed (`CertControlStore(CERT_STORE_CTRL_COMMIT)`, needed where a
//! provider does not persist deletes by itself, as Wine's registry stores),
//! and it does not bind the chain engine (`CertGetCertificateChain`,
//! `CertVerifyCertificateChainPolicy`) that [`crate::chain_engine`] asks.

use std::ffi::c_void;
use std::io;
use std::ptr;

use windows_sys::Win32::Security::Cryptography as C;

/// A system store location (`CERT_SYSTEM_STORE_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Location {
    LocalMachine,
    CurrentUser,
}

impl Location {
    pub(crate) fn parse(s: &str) -> Location {
        if s == "LocalMachine" {
            Location::LocalMachine
        } else {
            Location::CurrentUser
        }
    }

    fn flag(self) -> u32 {
        match self {
            Location::LocalMachine => C::CERT_SYSTEM_STORE_LOCAL_MACHINE,
            Location::CurrentUser => C::CERT_SYSTEM_STORE_CURRENT_USER,
        }
    }
}

const ENCODING: C::CERT_QUERY_ENCODING_TYPE = C::X509_ASN_ENCODING | C::PKCS_7_ASN_ENCODING;

/// An open certificate store, closed on drop.
pub(crate) struct Store(C::HCERTSTORE);

impl Store {
    /// A system store (`CERT_STORE_PROV_SYSTEM_W`): LocalMachine\Root opens
    /// read-only without elevation; writing LocalMachine needs it.
    pub(crate) fn open_system(loc: Location, name: &str, read_only: bool) -> io::Result<Store> {
        let wide: Vec<u16> = name.encode_utf16().chain(Some(0)).collect();
        let mut flags = loc.flag();
        if read_only {
            flags |= C::CERT_STORE_READONLY_FLAG;
        }
        // SAFETY: `wide` is a NUL-terminated UTF-16 string alive for the call.
        let h = unsafe {
            C::CertOpenStore(
                C::CERT_STORE_PROV_SYSTEM_W,
                0,
                0,
                flags,
                wide.as_ptr() as *const c_void,
            )
        };
        if h.is_null() {
            return Err(io::Error::last_os_error());
        }
        Ok(Store(h))
    }

    /// An in-memory store: the "additional store" holding what a server sent.
    pub(crate) fn memory() -> io::Result<Store> {
        // SAFETY: no parameters are read for the memory provider.
        let h = unsafe { C::CertOpenStore(C::CERT_STORE_PROV_MEMORY, 0, 0, 0, ptr::null()) };
        if h.is_null() {
            return Err(io::Error::last_os_error());
        }
        Ok(Store(h))
    }

    pub(crate) fn handle(&self) -> C::HCERTSTORE {
        self.0
    }

    /// Every certificate, each context our own reference.
    pub(crate) fn certs(&self) -> Vec<Context> {
        let mut out = Vec::new();
        let mut prev: *const C::CERT_CONTEXT = ptr::null();
        loop {
            // SAFETY: `prev` is null or the context the previous call returned
            // (this call frees it); we keep a duplicate of each.
            let c = unsafe { C::CertEnumCertificatesInStore(self.0, prev) };
            if c.is_null() {
                break;
            }
            // SAFETY: `c` is a valid context returned by the enumeration.
            out.push(Context(unsafe { C::CertDuplicateCertificateContext(c) }));
            prev = c;
        }
        out
    }

    /// `CertAddEncodedCertificateToStore(..., CERT_STORE_ADD_USE_EXISTING)`:
    /// never REPLACE_EXISTING (ACCESS_DENIED when the certificate also sits
    /// in a GroupPolicy or Enterprise physical store).
    pub(crate) fn add_encoded(&self, der: &[u8]) -> io::Result<()> {
        let len = u32::try_from(der.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "certificate too large"))?;
        // SAFETY: `der` is valid for `len` bytes; no context is returned.
        let ok = unsafe {
            C::CertAddEncodedCertificateToStore(
                self.0,
                ENCODING,
                der.as_ptr(),
                len,
                C::CERT_STORE_ADD_USE_EXISTING,
                ptr::null_mut(),
            )
        };
        if ok == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// `CertControlStore(CERT_STORE_CTRL_COMMIT)`: writes pending changes
    /// where the provider does not do so by itself (Wine's registry stores
    /// drop deletes otherwise); harmless where it already persisted.
    pub(crate) fn commit(&self) -> io::Result<()> {
        // SAFETY: valid store handle; COMMIT takes no parameter.
        let ok = unsafe { C::CertControlStore(self.0, 0, C::CERT_STORE_CTRL_COMMIT, ptr::null()) };
        if ok == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        // SAFETY: the handle is ours; contexts we still hold keep their own
        // references, so no CHECK/FORCE flag.
        unsafe {
            C::CertCloseStore(self.0, 0);
        }
    }
}

/// One certificate context, freed on drop.
pub(crate) struct Context(*const C::CERT_CONTEXT);

impl Context {
    /// A context of DER not in any store (for the chain engine).
    pub(crate) fn new(der: &[u8]) -> io::Result<Context> {
        let len = u32::try_from(der.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "certificate too large"))?;
        // SAFETY: `der` is valid for `len` bytes; crypt32 copies it.
        let c = unsafe { C::CertCreateCertificateContext(ENCODING, der.as_ptr(), len) };
        if c.is_null() {
            return Err(io::Error::last_os_error());
        }
        Ok(Context(c))
    }

    pub(crate) fn as_ptr(&self) -> *const C::CERT_CONTEXT {
        self.0
    }

    /// The certificate's DER, as the store holds it.
    pub(crate) fn der(&self) -> &[u8] {
        // SAFETY: a live context points at its encoded bytes for its lifetime.
        unsafe {
            let c = &*self.0;
            if c.pbCertEncoded.is_null() {
                return &[];
            }
            std::slice::from_raw_parts(c.pbCertEncoded, c.cbCertEncoded as usize)
        }
    }

    /// `CertDeleteCertificateFromStore`, which also frees the context.
    pub(crate) fn delete(self) -> io::Result<()> {
        let p = self.0;
        std::mem::forget(self);
        // SAFETY: `p` is a context of a store opened for writing; the call
        // frees it whether or not it succeeds.
        let ok = unsafe { C::CertDeleteCertificateFromStore(p) };
        if ok == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        // SAFETY: our own reference.
        unsafe {
            C::CertFreeCertificateContext(self.0);
        }
    }
}
