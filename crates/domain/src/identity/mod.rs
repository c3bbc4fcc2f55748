//! Who a candidate is: identity document numbers, names, phone numbers, e-mail addresses.
//! Each type's only constructor checks it; the error says, in Chinese, what to fix.

use std::fmt;

use time::{Date, Month};
use unicode_normalization::UnicodeNormalization;

use crate::vocab::{Gender, IdType};

/// A checked identity document number, kept in canonical form (upper case, no spaces).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdNumber {
    id_type: IdType,
    value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("请填写证件号码")]
    Empty,
    #[error("居民身份证号码应为 18 位")]
    ResidentLength,
    #[error("居民身份证号码前 17 位应为数字，最后一位为数字或 X")]
    ResidentCharacters,
    #[error("居民身份证号码中的出生日期无效")]
    ResidentBirthDate,
    #[error("居民身份证号码校验位不正确，请核对号码")]
    ResidentCheckDigit,
    #[error("港澳台居民居住证号码应为 18 位，以 810000、820000 或 830000 开头")]
    ResidencePrefix,
    #[error("港澳居民来往内地通行证号码应为 H 或 M 开头，后接 8 位或 10 位数字")]
    HkMoPermit,
    #[error("台湾居民来往大陆通行证号码应为 8 位或 10 位数字")]
    TwPermit,
    #[error("外国人永久居留身份证号码应为 15 位（3 位字母加 12 位数字）或以 9 开头的 18 位")]
    ForeignPermanent,
    #[error("护照号码应为 5 到 20 位字母或数字")]
    Passport,
}

/// The weights of GB 11643-1999 (ISO 7064 MOD 11-2) for the first 17 digits.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The check character for `sum mod 11` = 0, 1, …, 10 ('X' is the value 10).
const CHECK: [u8; 11] = *b"10X98765432";

/// The GB 11643 check character of 17 digits (`None` when they are not 17 ASCII
/// digits): what makes a resident ID number of them.
pub fn gb11643_check_char(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    Some(char::from(CHECK[usize::try_from(sum % 11).unwrap_or(0)]))
}

/// The 18-character scheme shared by the resident ID card, the HK/Macau/Taiwan residence
/// permit and the new foreigner's permanent residence card. Returns the birth date.
fn check_gb11643(value: &str, today: Date) -> Result<Date, IdNumberError> {
    let bytes = value.as_bytes();
    if bytes.len() != 18 {
        return Err(IdNumberError::ResidentLength);
    }
    if !bytes[..17].iter().all(u8::is_ascii_digit)
        || !(bytes[17].is_ascii_digit() || bytes[17] == b'X')
    {
        return Err(IdNumberError::ResidentCharacters);
    }
    let digit = |i: usize| u32::from(bytes[i] - b'0');
    let birth = {
        let year = (6..10).fold(0, |acc, i| acc * 10 + digit(i));
        let month = digit(10) * 10 + digit(11);
        let day = digit(12) * 10 + digit(13);
        let month = u8::try_from(month)
            .ok()
            .and_then(|m| Month::try_from(m).ok());
        let year = i32::try_from(year).ok();
        match (year, month, u8::try_from(day).ok()) {
            (Some(y), Some(m), Some(d)) if y >= 1900 => Date::from_calendar_date(y, m, d).ok(),
            _ => None,
        }
    };
    let birth = birth
        .filter(|b| *b <= today)
        .ok_or(IdNumberError::ResidentBirthDate)?;
    if gb11643_check_char(&value[..17]) != Some(char::from(bytes[17])) {
        return Err(IdNumberError::ResidentCheckDigit);
    }
    Ok(birth)
}

impl IdNumber {
    /// Checks `raw` as a number of `id_type`. Spaces are ignored and letters upper-cased
    /// (a typed `x` is the check character `X`). `today` bounds birth dates.
    pub fn parse(id_type: IdType, raw: &str, today: Date) -> Result<IdNumber, IdNumberError> {
        let value: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        if value.is_empty() {
            return Err(IdNumberError::Empty);
        }
        let all = |s: &str, f: fn(&u8) -> bool| s.as_bytes().iter().all(f);
        match id_type {
            IdType::ResidentId => {
                check_gb11643(&value, today)?;
            }
            IdType::HkMoTwResidence => {
                check_gb11643(&value, today)?;
                if !["810000", "820000", "830000"]
                    .iter()
                    .any(|p| value.starts_with(p))
                {
                    return Err(IdNumberError::ResidencePrefix);
                }
            }
            IdType::HkMoPermit => {
                let ok = (value.starts_with('H') || value.starts_with('M'))
                    && matches!(value.len(), 9 | 11)
                    && all(&value[1..], u8::is_ascii_digit);
                if !ok {
                    return Err(IdNumberError::HkMoPermit);
                }
            }
            IdType::TwPermit => {
                if !(matches!(value.len(), 8 | 10) && all(&value, u8::is_ascii_digit)) {
                    return Err(IdNumberError::TwPermit);
                }
            }
            IdType::ForeignPermanent => {
                let old = value.len() == 15
                    && all(&value[..3], u8::is_ascii_uppercase)
                    && all(&value[3..], u8::is_ascii_digit);
                let new = value.starts_with('9') && check_gb11643(&value, today).is_ok();
                if !(old || new) {
                    return Err(IdNumberError::ForeignPermanent);
                }
            }
            IdType::Passport => {
                if !((5..=20).contains(&value.len()) && all(&value, u8::is_ascii_alphanumeric)) {
                    return Err(IdNumberError::Passport);
                }
            }
        }
        Ok(IdNumber { id_type, value })
    }

    pub fn id_type(&self) -> IdType {
        self.id_type
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The birth date the number encodes (resident IDs and residence permits).
    pub fn birth_date(&self) -> Option<Date> {
        match self.id_type {
            IdType::ResidentId | IdType::HkMoTwResidence => {
                check_gb11643(&self.value, Date::MAX).ok()
            }
            _ => None,
        }
    }

    /// The gender the number encodes: the 17th digit is odd for men, even for women.
    pub fn gender(&self) -> Option<Gender> {
        match self.id_type {
            IdType::ResidentId | IdType::HkMoTwResidence => {
                let d = self.value.as_bytes().get(16)?;
                Some(if (d - b'0') % 2 == 1 {
                    Gender::Male
                } else {
                    Gender::Female
                })
            }
            _ => None,
        }
    }

    /// For messages that must not reveal the whole number: `3101**********1230`.
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.value.chars().collect();
        let keep = if chars.len() >= 10 { 4 } else { 2 };
        chars
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i < keep || i + keep >= chars.len() {
                    *c
                } else {
                    '*'
                }
            })
            .collect()
    }
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

/// A person's name as on their identity document: Chinese names including rare
/// characters (生僻字, also beyond the Basic Multilingual Plane), minority and foreign names
/// with the middle dot, Latin names with spaces. Stored in Unicode NFC.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonName(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PersonNameError {
    #[error("请填写姓名")]
    Empty,
    #[error("姓名不能超过 {max} 个字", max = PersonName::MAX_CHARS)]
    TooLong,
    #[error("姓名只能包含文字、间隔号“·”、空格、连字符和撇号")]
    Characters,
    #[error("姓名中含有{0}，请删除后重新输入")]
    Unwanted(crate::text::Unwanted),
}

impl PersonName {
    pub const MAX_CHARS: usize = 50;

    pub fn parse(raw: &str) -> Result<PersonName, PersonNameError> {
        // The many dots people type for the middle dot all become U+00B7.
        let normalised: String = raw
            .nfc()
            .map(|c| match c {
                '\u{30FB}' | '\u{2022}' | '\u{2027}' | '\u{FF0E}' | '\u{2219}' | '\u{22C5}' => '·',
                c => c,
            })
            .collect();
        if let Some(unwanted) = crate::text::first_unwanted(&normalised) {
            return Err(PersonNameError::Unwanted(unwanted));
        }
        let words: Vec<&str> = normalised.split_whitespace().collect();
        let name = words.join(" ");
        if name.is_empty() {
            return Err(PersonNameError::Empty);
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err(PersonNameError::TooLong);
        }
        let allowed = |c: char| c.is_alphabetic() || matches!(c, '·' | ' ' | '-' | '\'' | '.');
        let starts_ok = name.chars().next().is_some_and(char::is_alphabetic);
        if !starts_ok || !name.chars().all(allowed) {
            return Err(PersonNameError::Characters);
        }
        Ok(PersonName(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name for public pages: `张*`, `欧阳**`, `阿依古丽·***`.
    pub fn masked(&self) -> String {
        let mut chars = self.0.chars();
        match chars.next() {
            Some(first) => std::iter::once(first)
                .chain(chars.map(|c| if c == '·' || c == ' ' { c } else { '*' }))
                .collect(),
            None => String::new(),
        }
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A mobile phone number: an 11-digit mainland number, or an international one with `+`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("手机号码应为 11 位中国大陆手机号，或以 + 和国家（地区）代码开头的号码")]
pub struct PhoneError;

impl Phone {
    pub fn parse(raw: &str) -> Result<Phone, PhoneError> {
        let compact: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        let mainland = compact.len() == 11
            && digits(&compact)
            && compact.starts_with('1')
            && compact.as_bytes()[1] >= b'3';
        let international = compact.strip_prefix('+').is_some_and(|rest| {
            (8..=15).contains(&rest.len()) && digits(rest) && !rest.starts_with('0')
        });
        if mainland || international {
            Ok(Phone(compact))
        } else {
            Err(PhoneError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`.
    pub fn masked(&self) -> String {
        let n = self.0.chars().count();
        self.0
            .chars()
            .enumerate()
            .map(|(i, c)| if i >= 3 && i + 4 < n { '*' } else { c })
            .collect()
    }
}

/// An e-mail address, checked for shape only (delivery proves the rest).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("电子邮箱格式不正确")]
pub struct EmailError;

impl Email {
    pub fn parse(raw: &str) -> Result<Email, EmailError> {
        let value = raw.trim();
        let (local, domain) = value.rsplit_once('@').ok_or(EmailError)?;
        let ok = !local.is_empty()
            && local.len() <= 64
            && value.len() <= 254
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !value
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'))
            && !local.contains('@');
        if ok {
            Ok(Email(value.to_owned()))
        } else {
            Err(EmailError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests;
