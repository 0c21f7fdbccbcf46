//! The one DER reader and writer of the crate. Reading: lengths bounded by
//! the input (nothing allocates from a length field), canonical unless a
//! caller asks for BER definite lengths, errors that name the element.
//! Writing: minimal lengths, elements in the order given (no SET sorting),
//! so a writer reproduces the bytes it means to.

use std::fmt;

/// One tag-length-value element: the identifier octet, its content, and
/// the whole encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// Identifier octet.
    pub tag: u8,
    /// Content octets, after the header.
    pub content: &'a [u8],
    /// Header and content: the element as encoded.
    pub raw: &'a [u8],
}

/// Identifier octet of a BOOLEAN (universal 1).
pub const BOOLEAN: u8 = 0x01;
/// Identifier octet of an INTEGER (universal 2).
pub const INTEGER: u8 = 0x02;
/// Identifier octet of a BIT STRING (universal 3, primitive).
pub const BIT_STRING: u8 = 0x03;
/// Identifier octet of an OCTET STRING (universal 4, primitive).
pub const OCTET_STRING: u8 = 0x04;
/// Identifier octet of a NULL (universal 5).
pub const NULL: u8 = 0x05;
/// Identifier octet of an OBJECT IDENTIFIER (universal 6).
pub const OID: u8 = 0x06;
/// Identifier octet of a BMPString (universal 30, UTF-16BE).
pub const BMP_STRING: u8 = 0x1e;
/// Identifier octet of a SEQUENCE or SEQUENCE OF (universal 16, constructed).
pub const SEQUENCE: u8 = 0x30;
/// Identifier octet of a SET or SET OF (universal 17, constructed).
pub const SET: u8 = 0x31;
/// Identifier octet of an ENUMERATED (universal 10).
pub const ENUMERATED: u8 = 0x0a;
/// Identifier octet of a GeneralizedTime (universal 24).
pub const GENERALIZED_TIME: u8 = 0x18;
/// The constructed bit of an identifier octet (BER's chunked strings).
pub const CONSTRUCTED: u8 = 0x20;

/// Context-specific tag `[n]`, constructed or primitive.
pub const fn context(n: u8, constructed: bool) -> u8 {
    0x80 | if constructed { CONSTRUCTED } else { 0 } | n
}

/// Object identifiers more than one module writes or matches, as DER
/// content octets (checked against their dotted forms in the tests).
pub mod oid {
    /// 1.2.840.113549.1.7.1 (PKCS#7 data)
    pub const PKCS7_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
    /// 1.2.840.113549.1.7.2 (PKCS#7 signedData)
    pub const PKCS7_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
    /// 1.2.840.113549.1.7.6 (PKCS#7 encryptedData)
    pub const PKCS7_ENCRYPTED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x06];
}

/// Which length encodings a reader accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lengths {
    /// DER: the shortest form only.
    Canonical,
    /// Any definite form, as BER allows (a long form for a short length,
    /// leading zero octets). The PKCS#12 reader has always accepted them.
    AnyDefinite,
}

/// What is wrong with an element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The header or the content runs past the input.
    Truncated,
    /// Tag number 31 and up (X.509 and PKCS#12 use none).
    MultiByteTag,
    /// BER's indefinite length.
    Indefinite,
    /// More than four length octets.
    LengthTooLarge,
    /// A length not in its shortest form (canonical readers only).
    NonMinimalLength,
    /// A required element is not there.
    Missing,
    /// A different element than the structure requires.
    UnexpectedTag {
        /// The tag the structure requires.
        expected: u8,
        /// The tag that was there.
        found: u8,
    },
    /// Bytes after the last element a structure may hold.
    TrailingData,
}

/// A reading error, naming the element it happened in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error {
    /// Name of the element being read, as the caller gave it, for messages.
    pub what: &'static str,
    /// What went wrong.
    pub kind: ErrorKind,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Truncated => f.write_str("truncated"),
            ErrorKind::MultiByteTag => f.write_str("unsupported multi-byte tag"),
            ErrorKind::Indefinite => f.write_str("indefinite length (BER) is not supported"),
            ErrorKind::LengthTooLarge => f.write_str("length too large"),
            ErrorKind::NonMinimalLength => f.write_str("length not in its shortest form"),
            ErrorKind::Missing => f.write_str("missing"),
            ErrorKind::UnexpectedTag { expected, found } => {
                write!(f, "expected tag {expected:#04x}, found {found:#04x}")
            }
            ErrorKind::TrailingData => f.write_str("unexpected trailing data"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.what, self.kind)
    }
}

impl std::error::Error for Error {}

/// The element at the front of `input` and what follows it.
pub fn parse<'a>(
    input: &'a [u8],
    lengths: Lengths,
    what: &'static str,
) -> Result<(Tlv<'a>, &'a [u8]), Error> {
    let err = |kind| Error { what, kind };
    let (&tag, after_tag) = input.split_first().ok_or(err(ErrorKind::Truncated))?;
    if tag & 0x1f == 0x1f {
        return Err(err(ErrorKind::MultiByteTag));
    }
    let (&first, after_first) = after_tag.split_first().ok_or(err(ErrorKind::Truncated))?;
    let (len, content_and_rest) = match first {
        l if l < 0x80 => (usize::from(l), after_first),
        0x80 => return Err(err(ErrorKind::Indefinite)),
        l => {
            let n = usize::from(l & 0x7f);
            if n > 4 {
                return Err(err(ErrorKind::LengthTooLarge));
            }
            if after_first.len() < n {
                return Err(err(ErrorKind::Truncated));
            }
            let (bytes, rest) = after_first.split_at(n);
            let len = bytes.iter().fold(0usize, |a, &b| (a << 8) | usize::from(b));
            if lengths == Lengths::Canonical && (bytes[0] == 0 || len < 0x80) {
                return Err(err(ErrorKind::NonMinimalLength));
            }
            (len, rest)
        }
    };
    if content_and_rest.len() < len {
        return Err(err(ErrorKind::Truncated));
    }
    let (content, rest) = content_and_rest.split_at(len);
    let used = input.len() - rest.len();
    Ok((
        Tlv {
            tag,
            content,
            raw: &input[..used],
        },
        rest,
    ))
}

/// The one element `input` holds, whatever its tag.
pub fn parse_single<'a>(
    input: &'a [u8],
    lengths: Lengths,
    what: &'static str,
) -> Result<Tlv<'a>, Error> {
    let (t, rest) = parse(input, lengths, what)?;
    if !rest.is_empty() {
        return Err(Error {
            what,
            kind: ErrorKind::TrailingData,
        });
    }
    Ok(t)
}

impl Tlv<'_> {
    /// `Ok` if the element has `tag`.
    pub fn check_tag(&self, tag: u8, what: &'static str) -> Result<(), Error> {
        if self.tag == tag {
            Ok(())
        } else {
            Err(Error {
                what,
                kind: ErrorKind::UnexpectedTag {
                    expected: tag,
                    found: self.tag,
                },
            })
        }
    }
}

/// Reads consecutive elements from a byte slice.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    rest: &'a [u8],
    lengths: Lengths,
}

impl<'a> Reader<'a> {
    /// A strict DER reader.
    pub fn new(input: &'a [u8]) -> Reader<'a> {
        Reader::with_lengths(input, Lengths::Canonical)
    }

    /// A reader accepting the given length encodings.
    pub fn with_lengths(input: &'a [u8], lengths: Lengths) -> Reader<'a> {
        Reader {
            rest: input,
            lengths,
        }
    }

    /// No bytes left to read.
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next element, or `None` for truncated or non-canonical input.
    /// Multi-byte tags (tag number 31) are not used by X.509 and are refused.
    pub fn next_tlv(&mut self) -> Option<Tlv<'a>> {
        self.read("element").ok().flatten()
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

    /// The next element, `None` at the end, an error for a broken one.
    pub fn read(&mut self, what: &'static str) -> Result<Option<Tlv<'a>>, Error> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let (t, rest) = parse(self.rest, self.lengths, what)?;
        self.rest = rest;
        Ok(Some(t))
    }

    /// The next element, which must be there and have `tag`.
    pub fn read_tag(&mut self, tag: u8, what: &'static str) -> Result<Tlv<'a>, Error> {
        let t = self.read(what)?.ok_or(Error {
            what,
            kind: ErrorKind::Missing,
        })?;
        t.check_tag(tag, what)?;
        Ok(t)
    }

    /// The next element if its identifier octet is `tag` (then it must be
    /// well-formed), else nothing consumed.
    pub fn read_if(&mut self, tag: u8, what: &'static str) -> Result<Option<Tlv<'a>>, Error> {
        if self.rest.first() == Some(&tag) {
            self.read(what)
        } else {
            Ok(None)
        }
    }

    /// `Ok` if every element was read.
    pub fn finish(&self, what: &'static str) -> Result<(), Error> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(Error {
                what,
                kind: ErrorKind::TrailingData,
            })
        }
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

/// An OID for a message: dotted, or its octets in hex when they are not
/// a valid OID.
pub fn oid_display(content: &[u8]) -> String {
    oid_string(content).unwrap_or_else(|| {
        let hex: String = content.iter().map(|b| format!("{b:02x}")).collect();
        format!("(invalid OID {hex})")
    })
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

// ---------------------------------------------------------------------------
// Writing

/// The length octets for `n` content octets, in the shortest form.
pub fn length(n: usize) -> Vec<u8> {
    if n < 0x80 {
        return vec![n as u8];
    }
    let bytes = n.to_be_bytes();
    let start = bytes
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(bytes.len() - 1);
    let mut v = Vec::with_capacity(1 + bytes.len() - start);
    v.push(0x80 | (bytes.len() - start) as u8);
    v.extend_from_slice(&bytes[start..]);
    v
}

/// One element: `tag`, the shortest length, `content`.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = length(content.len());
    let mut out = Vec::with_capacity(1 + len.len() + content.len());
    out.push(tag);
    out.extend_from_slice(&len);
    out.extend_from_slice(content);
    out
}

/// One element whose content is `parts` concatenated in the order given.
pub fn tlv_of(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    tlv(tag, &parts.concat())
}

/// A non-negative INTEGER element in its minimal encoding.
pub fn uint(n: u64) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let start = bytes
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(bytes.len() - 1);
    let mut content = Vec::with_capacity(bytes.len() + 1);
    if bytes[start] & 0x80 != 0 {
        content.push(0);
    }
    content.extend_from_slice(&bytes[start..]);
    tlv(INTEGER, &content)
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
    fn errors_name_the_element_and_the_fault() {
        let e = |input: &[u8], lengths| parse(input, lengths, "PFX").unwrap_err().to_string();
        assert_eq!(e(&[], Lengths::Canonical), "PFX: truncated");
        assert_eq!(
            e(&[0x1f, 0], Lengths::Canonical),
            "PFX: unsupported multi-byte tag"
        );
        assert_eq!(
            e(&[0x30, 0x80, 0, 0], Lengths::AnyDefinite),
            "PFX: indefinite length (BER) is not supported"
        );
        assert_eq!(
            e(&[0x30, 0x85, 1, 1, 1, 1, 1], Lengths::AnyDefinite),
            "PFX: length too large"
        );
        assert_eq!(
            e(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff], Lengths::AnyDefinite),
            "PFX: truncated"
        );
        assert_eq!(
            e(&[0x04, 0x81, 0x01, 0xff], Lengths::Canonical),
            "PFX: length not in its shortest form"
        );
        // BER definite lengths, when asked for.
        let (t, rest) = parse(
            &[0x04, 0x82, 0x00, 0x01, 0xff, 0x05],
            Lengths::AnyDefinite,
            "x",
        )
        .unwrap();
        assert_eq!((t.tag, t.content, rest), (0x04, &[0xff][..], &[0x05][..]));

        let input = [0x02, 0x01, 0x03, 0x05, 0x00];
        assert_eq!(
            Reader::new(&input)
                .read_tag(SEQUENCE, "authSafe")
                .unwrap_err()
                .to_string(),
            "authSafe: expected tag 0x30, found 0x02"
        );
        let mut r = Reader::new(&input);
        assert_eq!(r.read_if(SEQUENCE, "mac").unwrap(), None);
        assert_eq!(r.read_tag(INTEGER, "version").unwrap().content, [3]);
        assert_eq!(
            r.finish("PFX").unwrap_err().to_string(),
            "PFX: unexpected trailing data"
        );
        assert!(r.read_if(NULL, "null").unwrap().is_some());
        assert_eq!(
            r.read_tag(INTEGER, "v").unwrap_err().to_string(),
            "v: missing"
        );
        r.finish("PFX").unwrap();
        assert_eq!(
            parse_single(&[0x05, 0x00, 0x05, 0x00], Lengths::Canonical, "inner")
                .unwrap_err()
                .kind,
            ErrorKind::TrailingData
        );
    }

    #[test]
    fn writes_minimal_lengths_in_the_given_order() {
        assert_eq!(length(0), vec![0]);
        assert_eq!(length(127), vec![127]);
        assert_eq!(length(128), vec![0x81, 0x80]);
        assert_eq!(length(255), vec![0x81, 0xff]);
        assert_eq!(length(256), vec![0x82, 0x01, 0x00]);
        assert_eq!(length(70000), vec![0x83, 0x01, 0x11, 0x70]);
        assert_eq!(tlv(4, &[0; 200])[..3], [4, 0x81, 200]);
        assert_eq!(tlv(4, &[0; 300])[..4], [4, 0x82, 1, 44]);
        assert_eq!(uint(0), [2, 1, 0]);
        assert_eq!(uint(1), [2, 1, 1]);
        assert_eq!(uint(128), [2, 2, 0, 128]);
        assert_eq!(uint(10_000), [2, 2, 0x27, 0x10]);
        let set = tlv_of(SET, &[&tlv(INTEGER, &[2]), &tlv(INTEGER, &[1])]);
        assert_eq!(set, [0x31, 6, 2, 1, 2, 2, 1, 1], "not sorted");
        // What is written reads back.
        for n in [0usize, 1, 127, 128, 255, 256, 65_535, 65_536, 70_000] {
            let t = tlv(OCTET_STRING, &vec![7; n]);
            assert_eq!(single(&t, OCTET_STRING).map(<[u8]>::len), Some(n));
        }
    }

    #[test]
    fn shared_oids_match_their_dotted_forms() {
        assert_eq!(
            oid_string(oid::PKCS7_DATA).as_deref(),
            Some("1.2.840.113549.1.7.1")
        );
        assert_eq!(
            oid_string(oid::PKCS7_SIGNED_DATA).as_deref(),
            Some("1.2.840.113549.1.7.2")
        );
        assert_eq!(
            oid_string(oid::PKCS7_ENCRYPTED_DATA).as_deref(),
            Some("1.2.840.113549.1.7.6")
        );
        assert_eq!(oid_display(&[0x2a, 0x86]), "(invalid OID 2a86)");
        assert_eq!(oid_display(&[0x55, 0x1d, 0x1e]), "2.5.29.30");
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
}
