//! 网报号: the registration number printed on the form and typed by reviewers.

use std::fmt;

/// Twelve digits: two of the exam year, two of the exam area, seven random, and a check
/// digit (ISO 7064 MOD 11-10, as on resident IDs' sibling codes) so that a mistyped
/// number is caught before any lookup. Random, not sequential: numbers in URLs reveal
/// nothing about other registrations.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegistrationNo(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("网报号应为 12 位数字，请核对")]
pub struct RegistrationNoError;

/// ISO 7064 MOD 11-10 check digit of `digits`.
fn check_digit(digits: &[u8]) -> u8 {
    let mut product = 10u32;
    for d in digits {
        let mut sum = (u32::from(*d) + product) % 10;
        if sum == 0 {
            sum = 10;
        }
        product = (sum * 2) % 11;
    }
    u8::try_from((11 - product) % 10).unwrap_or(0)
}

impl RegistrationNo {
    /// Makes a number from the exam year, the area code (its first two digits are used)
    /// and seven random digits given by the caller (each byte is taken modulo 10).
    pub fn new(year: i32, area_code: &str, random: [u8; 7]) -> RegistrationNo {
        let mut digits: Vec<u8> = Vec::with_capacity(12);
        let yy = u8::try_from(year.rem_euclid(100)).unwrap_or(0);
        digits.extend([yy / 10, yy % 10]);
        let area: Vec<u8> = area_code
            .bytes()
            .filter(u8::is_ascii_digit)
            .map(|b| b - b'0')
            .take(2)
            .collect();
        digits.extend(area.iter().copied().chain(std::iter::repeat(0)).take(2));
        digits.extend(random.iter().map(|r| r % 10));
        digits.push(check_digit(&digits));
        RegistrationNo(digits.iter().map(|d| char::from(b'0' + d)).collect())
    }

    pub fn parse(raw: &str) -> Result<RegistrationNo, RegistrationNoError> {
        let raw = raw.trim();
        if raw.len() != 12 || !raw.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegistrationNoError);
        }
        let digits: Vec<u8> = raw.bytes().map(|b| b - b'0').collect();
        if check_digit(&digits[..11]) != digits[11] {
            return Err(RegistrationNoError);
        }
        Ok(RegistrationNo(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RegistrationNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_carry_year_area_and_a_check_digit() {
        let no = RegistrationNo::new(2025, "310000", [1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(&no.as_str()[..4], "2531");
        assert_eq!(&no.as_str()[4..11], "1234567");
        assert_eq!(RegistrationNo::parse(no.as_str()), Ok(no.clone()));
    }

    #[test]
    fn one_wrong_digit_or_a_swap_is_caught() {
        let no = RegistrationNo::new(2025, "310000", [9, 0, 4, 7, 1, 3, 8]).0;
        for i in 0..12 {
            for d in 0..10u8 {
                let mut bytes = no.clone().into_bytes();
                if bytes[i] == b'0' + d {
                    continue;
                }
                bytes[i] = b'0' + d;
                let changed = String::from_utf8(bytes).unwrap();
                assert!(RegistrationNo::parse(&changed).is_err(), "{changed}");
            }
        }
        for i in 0..11 {
            let mut bytes = no.clone().into_bytes();
            if bytes[i] != bytes[i + 1] {
                bytes.swap(i, i + 1);
                let swapped = String::from_utf8(bytes).unwrap();
                assert!(RegistrationNo::parse(&swapped).is_err(), "{swapped}");
            }
        }
        assert!(RegistrationNo::parse("25311234567").is_err());
        assert!(RegistrationNo::parse("25311234567a").is_err());
    }
}
