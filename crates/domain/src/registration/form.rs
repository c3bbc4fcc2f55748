//! What the printed application form carries to tell one print from another: the barcode
//! (registration number and form revision) and the verification code (验证码).
//!
//! The code is a keyed MAC (computed by the caller, who holds the key) over the number,
//! the revision and the digest of the printed data, shown as eight characters a person can
//! type, then the revision, as the historic forms ended in their edit count:
//! `K7M2-QX9P-03`. Letters that look like digits are not used, and read back as digits.

use super::RegistrationNo;

/// Crockford's base-32 alphabet: no I, L, O or U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The digits the barcode carries: the 12-digit number, then the revision in 4 digits.
pub fn barcode_payload(no: &RegistrationNo, revision: u32) -> String {
    format!("{}{:04}", no.as_str(), revision % 10_000)
}

/// A barcode read from a scan, if it is one of ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintedBarcode {
    pub no: RegistrationNo,
    pub revision: u32,
}

pub fn parse_barcode(text: &str) -> Option<PrintedBarcode> {
    let text = text.trim();
    if text.len() != 16 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(PrintedBarcode {
        no: RegistrationNo::parse(&text[..12]).ok()?,
        revision: text[12..].parse().ok()?,
    })
}

/// What the MAC of the verification code is computed over.
pub fn mac_message(no: &RegistrationNo, revision: u32, printed_digest: &str) -> String {
    format!(
        "examreg form v1\n{}\n{revision}\n{printed_digest}",
        no.as_str()
    )
}

/// The verification code from the MAC's first 40 bits and the revision.
pub fn verification_code(mac: &[u8], revision: u32) -> String {
    let mut bits: u64 = 0;
    for byte in mac.iter().take(5) {
        bits = (bits << 8) | u64::from(*byte);
    }
    let chars: String = (0..8)
        .rev()
        .map(|i| char::from(ALPHABET[((bits >> (i * 5)) & 31) as usize]))
        .collect();
    format!("{}-{}-{revision:02}", &chars[..4], &chars[4..])
}

/// A typed verification code, normalised: the eight MAC characters and the revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedCode {
    pub body: String,
    pub revision: u32,
}

/// Reads a code as a person types it: any case, with or without hyphens and spaces,
/// O for 0 and I or L for 1.
pub fn parse_verification_code(typed: &str) -> Option<TypedCode> {
    let cleaned: String = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\u{3000}'))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    if cleaned.len() < 10 || cleaned.len() > 12 || !cleaned.is_ascii() {
        return None;
    }
    let (body, revision) = cleaned.split_at(8);
    if !body.bytes().all(|b| ALPHABET.contains(&b)) || !revision.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    Some(TypedCode {
        body: body.to_owned(),
        revision: revision.parse().ok()?,
    })
}

impl TypedCode {
    /// Whether this is the code of `expected` (as [`verification_code`] printed it).
    pub fn matches(&self, expected: &str) -> bool {
        parse_verification_code(expected).is_some_and(|e| {
            e.revision == self.revision && constant_time_eq(e.body.as_bytes(), self.body.as_bytes())
        })
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A name as the public verification page shows it: the family name's first character,
/// the rest masked (欧阳䶮 → 欧**).
pub fn masked_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no() -> RegistrationNo {
        RegistrationNo::new(2025, "31", [1, 2, 3, 4, 5, 6, 7])
    }

    #[test]
    fn the_barcode_carries_number_and_revision_and_reads_back() {
        let payload = barcode_payload(&no(), 3);
        assert_eq!(payload.len(), 16);
        assert_eq!(
            parse_barcode(&payload),
            Some(PrintedBarcode {
                no: no(),
                revision: 3
            })
        );
        assert_eq!(parse_barcode("hello"), None);
        let mut mistyped = payload.clone().into_bytes();
        mistyped[5] = if mistyped[5] == b'9' {
            b'0'
        } else {
            mistyped[5] + 1
        };
        assert_eq!(
            parse_barcode(&String::from_utf8(mistyped).unwrap()),
            None,
            "check digit"
        );
    }

    #[test]
    fn the_code_is_short_typable_and_ends_in_the_revision() {
        let code = verification_code(&[0xde, 0xad, 0xbe, 0xef, 0x42, 0x99], 3);
        assert_eq!(code.len(), 12);
        assert!(code.ends_with("-03"));
        let typed = parse_verification_code(&code.to_lowercase().replace('-', " ")).unwrap();
        assert_eq!(typed.revision, 3);
        assert!(typed.matches(&code));
        let other = verification_code(&[0xde, 0xad, 0xbe, 0xef, 0x43, 0x99], 3);
        assert!(!typed.matches(&other));
        assert!(!typed.matches(&verification_code(&[0xde, 0xad, 0xbe, 0xef, 0x42, 0x99], 4)));
    }

    #[test]
    fn look_alike_letters_read_as_digits_and_garbage_is_refused() {
        let code = "1O0I-ABCD-12";
        let typed = parse_verification_code(code).unwrap();
        assert_eq!(typed.body, "1001ABCD");
        for bad in [
            "",
            "ABC",
            "ABCD-EFGH-XY",
            "ABCD-EFGU-01",
            "ABCD-EFGH-12345",
            "中文中文-中文中文-01",
        ] {
            assert_eq!(parse_verification_code(bad), None, "{bad}");
        }
    }

    #[test]
    fn names_are_masked_after_the_first_character() {
        assert_eq!(masked_name("欧阳䶮"), "欧**");
        assert_eq!(masked_name("张三"), "张*");
        assert_eq!(masked_name(""), "");
    }
}
