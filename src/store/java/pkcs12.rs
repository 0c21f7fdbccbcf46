//! STUB written by the main engineer only so the crate compiles while the
//! real module is written: REPLACE THIS WHOLE FILE with the implementation.
#![allow(unused_variables)]
pub struct Pkcs12 {
    protected: bool,
}
pub struct KeyEntry {
    pub alias: String,
    pub chain: Vec<Vec<u8>>,
}
impl Pkcs12 {
    pub fn sniff(data: &[u8]) -> bool {
        false
    }
    pub fn read(data: &[u8], password: Option<&str>) -> Result<Pkcs12, String> {
        Err("stub".into())
    }
    pub fn protected(&self) -> bool {
        self.protected
    }
    pub fn trusted(&self) -> Vec<(String, Vec<u8>)> {
        Vec::new()
    }
    pub fn keys(&self) -> Vec<KeyEntry> {
        Vec::new()
    }
    pub fn add_trusted(&mut self, alias: &str, der: &[u8]) {}
    pub fn remove_trusted(&mut self, sha256: &[u8; 32]) -> Vec<String> {
        Vec::new()
    }
    pub fn write(&self, password: Option<&str>) -> Result<Vec<u8>, String> {
        Err("stub".into())
    }
}
