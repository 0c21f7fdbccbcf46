//! A small strict DER reader for the structures trustfix checks itself
//! (signature parameters, name constraints, certificate fields OpenSSL and
//! Java refuse when malformed). Lengths are canonical and bounded by the
//! input; nothing allocates from a length field.

/// One tag-length-value element: the identifier octet, its content, and
/// the whole encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u8,
    pub content: &'a [u8],
    pub raw: &'a [u8],
}

pub const INTEGER: u8 = 0x02;
pub const BIT_STRING: u8 = 0x03;
pub const OCTET_STRING: u8 = 0x04;
pub const NULL: u8 = 0x05;
pub const OID: u8 = 0x06;
pub const SEQUENCE: u8 = 0x30;
pub const SET: u8 = 0x31;
pub const BOOLEAN: u8 = 0x01;

/// Context-specific tag `[n]`, constructed or primitive.
pub const fn context(n: u8, constructed: bool) -> u8 {
    0x80 | if constructed { 0x20 } else { 0 } | n
}

/// Reads consecutive elements from a byte slice.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(input: &'a [u8]) -> Reader<'a> {
        Reader { rest: input }
    }

    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next element, or `None` for truncated or non-canonical input.
    /// Multi-byte tags (tag number 31) are not used by X.509 and are refused.
    pub fn next_tlv(&mut self) -> Option<Tlv<'a>> {
        let input = self.rest;
        let (&tag, after_tag) = input.split_first()?;
        if tag & 0x1f == 0x1f {
            return None;
        }
        let (&first, mut after_len) = after_tag.split_first()?;
        let len = if first < 0x80 {
            first as usize
        } else {
            let n = (first & 0x7f) as usize;
            if n == 0 || n > 4 || after_len.len() < n {
                return None;
            }
            let (bytes, rest) = after_len.split_at(n);
            if bytes[0] == 0 {
                return None; // leading zero: not the shortest form
            }
            let len = bytes.iter().fold(0usize, |a, &b| (a << 8) | b as usize);
            if len < 0x80 {
                return None; // long form for a short length
            }
            after_len = rest;
            len
        };
        if after_len.len() < len {
            return None;
        }
        let (content, rest) = after_len.split_at(len);
        let used = input.len() - rest.len();
        self.rest = rest;
        Some(Tlv {
            tag,
            content,
            raw: &input[..used],
        })
    }

    /// The next element if it has `tag`.
    pub fn expect(&mut self, tag: u8) -> Option<&'a [u8]> {
        let mut probe = *self;
        let t = probe.next_tlv()?;
        if t.tag != tag {
            return None;
        }
        *self = probe;
        Some(t.content)
    }

    /// The next element if its tag is `tag`, else nothing consumed.
    pub fn optional(&mut self, tag: u8) -> Option<&'a [u8]> {
        self.expect(tag)
    }
}

/// The single element `input` must consist of, if it has `tag`.
pub fn single(input: &[u8], tag: u8) -> Option<&[u8]> {
    let mut r = Reader::new(input);
    let c = r.expect(tag)?;
    r.is_empty().then_some(c)
}

/// Content of a DER INTEGER as an unsigned big-endian number (sign octet
/// removed), or `None` if it is negative or not minimally encoded.
pub fn unsigned_integer(content: &[u8]) -> Option<&[u8]> {
    match content {
        [] => None,
        [b, ..] if b & 0x80 != 0 => None,
        [0, next, ..] if next & 0x80 == 0 => None,
        [0, rest @ ..] if !rest.is_empty() => Some(rest),
        c => Some(c),
    }
}

/// Small non-negative INTEGER (e.g. a salt length), bounded to `u32`.
pub fn small_uint(content: &[u8]) -> Option<u32> {
    let v = unsigned_integer(content)?;
    if v.len() > 4 {
        return None;
    }
    Some(v.iter().fold(0u32, |a, &b| (a << 8) | b as u32))
}

/// Dotted form of an OID's content octets (`1.2.840.113549.1.1.11`).
pub fn oid_string(content: &[u8]) -> Option<String> {
    if content.is_empty() || content.len() > 64 {
        return None;
    }
    let mut arcs: Vec<u64> = Vec::new();
    let mut v: u64 = 0;
    for (i, &b) in content.iter().enumerate() {
        if v == 0 && b == 0x80 {
            return None; // non-minimal arc
        }
        v = v.checked_shl(7)? | (b & 0x7f) as u64;
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let (a, b) = match v {
                    0..=39 => (0, v),
                    40..=79 => (1, v - 40),
                    _ => (2, v - 80),
                };
                arcs.push(a);
                arcs.push(b);
            } else {
                arcs.push(v);
            }
            v = 0;
        } else if i == content.len() - 1 {
            return None; // truncated arc
        }
        if v > u64::MAX >> 7 {
            return None;
        }
    }
    Some(
        arcs.iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join("."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_refuses_non_canonical_lengths() {
        let mut r = Reader::new(&[0x30, 0x03, 0x02, 0x01, 0x05, 0x05, 0x00]);
        let t = r.next_tlv().unwrap();
        assert_eq!((t.tag, t.content), (0x30, &[0x02, 0x01, 0x05][..]));
        assert_eq!(r.expect(NULL), Some(&[][..]));
        assert!(r.is_empty());
        // long form for a short length, leading zero, lying length
        assert!(Reader::new(&[0x04, 0x81, 0x01, 0xff]).next_tlv().is_none());
        assert!(Reader::new(&[0x04, 0x82, 0x00, 0x80]).next_tlv().is_none());
        assert!(Reader::new(&[0x04, 0x05, 0x00]).next_tlv().is_none());
        assert!(Reader::new(&[0x1f, 0x01, 0x00]).next_tlv().is_none());
    }

    #[test]
    fn integers_and_oids() {
        assert_eq!(unsigned_integer(&[0x00, 0x80]), Some(&[0x80][..]));
        assert_eq!(unsigned_integer(&[0x00, 0x01]), None);
        assert_eq!(unsigned_integer(&[0xff]), None);
        assert_eq!(small_uint(&[0x20]), Some(32));
        assert_eq!(
            oid_string(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]).as_deref(),
            Some("1.2.840.113549.1.1.11")
        );
        assert_eq!(
            oid_string(&[0x55, 0x1d, 0x1e]).as_deref(),
            Some("2.5.29.30")
        );
        assert_eq!(oid_string(&[0x2a, 0x86]), None);
    }
}
