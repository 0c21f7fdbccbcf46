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
pub const ENUMERATED: u8 = 0x0a;
pub const GENERALIZED_TIME: u8 = 0x18;

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

/// Content of a DER INTEGER if it is minimally encoded (two's complement,
/// no redundant leading 0x00 or 0xff), sign kept.
pub fn integer(content: &[u8]) -> Option<&[u8]> {
    match content {
        [] => None,
        [0x00, next, ..] if next & 0x80 == 0 => None,
        [0xff, next, ..] if next & 0x80 != 0 => None,
        c => Some(c),
    }
}

/// The bits of a BIT STRING's content (unused-bits octet removed): at most
/// 7 unused bits, and none in an empty string.
pub fn bit_string(content: &[u8]) -> Option<&[u8]> {
    let (&unused, bits) = content.split_first()?;
    (unused <= 7 && (unused == 0 || !bits.is_empty())).then_some(bits)
}

/// A DER BOOLEAN's value (0x00 or 0xff, nothing else).
pub fn boolean(content: &[u8]) -> Option<bool> {
    match content {
        [0x00] => Some(false),
        [0xff] => Some(true),
        _ => None,
    }
}

/// A GeneralizedTime in RFC 5280's form (`YYYYMMDDHHMMSSZ`, no fraction,
/// years 1970..=9999) as Unix seconds; `None` for anything else,
/// impossible dates (Feb 30) included.
pub fn generalized_time(content: &[u8]) -> Option<i64> {
    let [y1, y2, y3, y4, mo1, mo2, d1, d2, h1, h2, mi1, mi2, s1, s2, b'Z'] = *content else {
        return None;
    };
    let two = |a: u8, b: u8| -> Option<i64> {
        (a.is_ascii_digit() && b.is_ascii_digit()).then(|| ((a - b'0') * 10 + (b - b'0')) as i64)
    };
    let year = two(y1, y2)? * 100 + two(y3, y4)?;
    let (month, day) = (two(mo1, mo2)?, two(d1, d2)?);
    let (hour, minute, second) = (two(h1, h2)?, two(mi1, mi2)?, two(s1, s2)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if year < 1970 || !(1..=month_days).contains(&day) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    // Days from 1970-01-01 to the civil date (Howard Hinnant's algorithm).
    let (y, m) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

// ---- Writing: canonical DER for what trustfix builds itself (the OCSP
// request). Definite lengths in their shortest form; the caller supplies
// content already encoded.

/// Appends one element to `out`: `tag`, the shortest definite length, `content`.
pub fn write_tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
}

/// One element whose content is `parts` concatenated (a SEQUENCE of
/// already encoded elements, or a primitive's bytes as one part).
pub fn encode(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let content = parts.concat();
    let mut out = Vec::with_capacity(content.len() + 6);
    write_tlv(&mut out, tag, &content);
    out
}

/// INTEGER content of the non-negative number with big-endian `magnitude`:
/// leading zeros dropped, a 0x00 sign octet added when the top bit is set
/// (zero is `[0x00]`).
pub fn unsigned_integer_content(magnitude: &[u8]) -> Vec<u8> {
    let first = magnitude.iter().position(|&b| b != 0);
    let digits = first.map_or(&[][..], |i| &magnitude[i..]);
    match digits.first() {
        None => vec![0x00],
        Some(b) if b & 0x80 != 0 => [&[0x00], digits].concat(),
        Some(_) => digits.to_vec(),
    }
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

    #[test]
    fn integers_bits_booleans() {
        assert_eq!(integer(&[0xff, 0x01]), Some(&[0xff, 0x01][..]));
        assert_eq!(integer(&[0x00, 0x80]), Some(&[0x00, 0x80][..]));
        assert_eq!(integer(&[0x00, 0x7f]), None);
        assert_eq!(integer(&[0xff, 0x80]), None);
        assert_eq!(integer(&[]), None);
        assert_eq!(bit_string(&[0x00, 0xaa]), Some(&[0xaa][..]));
        assert_eq!(bit_string(&[0x00]), Some(&[][..]));
        assert_eq!(bit_string(&[0x01]), None);
        assert_eq!(bit_string(&[0x08, 0xaa]), None);
        assert_eq!(bit_string(&[]), None);
        assert_eq!(boolean(&[0xff]), Some(true));
        assert_eq!(boolean(&[0x01]), None);
    }

    #[test]
    fn generalized_times() {
        let t = |s: &str| generalized_time(s.as_bytes());
        assert_eq!(t("19700101000000Z"), Some(0));
        assert_eq!(t("20240102030405Z"), Some(1_704_164_645));
        assert_eq!(t("20000229235959Z"), Some(951_868_799));
        assert_eq!(t("99991231235959Z"), Some(253_402_300_799));
        for bad in [
            "19691231235959Z",
            "20230229000000Z",
            "21000229000000Z",
            "20241301000000Z",
            "20240100000000Z",
            "20240101240000Z",
            "20240101006000Z",
            "20240101000060Z",
            "20240101000000",
            "20240101000000.5Z",
            "2024010100000aZ",
            "20240101000000+0100",
        ] {
            assert_eq!(t(bad), None, "{bad}");
        }
    }

    #[test]
    fn writes_canonical_lengths() {
        assert_eq!(encode(NULL, &[]), vec![0x05, 0x00]);
        assert_eq!(
            encode(SEQUENCE, &[&[1, 2], &[3]]),
            vec![0x30, 0x03, 1, 2, 3]
        );
        let long = encode(OCTET_STRING, &[&[0xaa; 200]]);
        assert_eq!(&long[..3], &[0x04, 0x81, 200]);
        let longer = encode(OCTET_STRING, &[&[0; 0x1234]]);
        assert_eq!(&longer[..4], &[0x04, 0x82, 0x12, 0x34]);
        // What is written reads back, canonical lengths and all.
        for n in [0usize, 1, 127, 128, 255, 256, 65_535, 65_536] {
            let v = encode(OCTET_STRING, &[&vec![7u8; n]]);
            assert_eq!(single(&v, OCTET_STRING).map(<[u8]>::len), Some(n), "{n}");
        }
        assert_eq!(unsigned_integer_content(&[0x00, 0x00, 0x7f]), vec![0x7f]);
        assert_eq!(
            unsigned_integer_content(&[0xff, 0x01]),
            vec![0x00, 0xff, 0x01]
        );
        assert_eq!(unsigned_integer_content(&[0x00]), vec![0x00]);
        assert_eq!(unsigned_integer_content(&[]), vec![0x00]);
    }
}
