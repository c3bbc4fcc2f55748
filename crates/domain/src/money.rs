//! Money in 分 (fen, 0.01 元), never floating point.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An amount of renminbi in fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fen(pub u32);

impl Fen {
    pub fn checked_mul(self, n: u32) -> Option<Fen> {
        self.0.checked_mul(n).map(Fen)
    }

    /// An amount typed in 元 (`50`, `50.5`, `50.00`, `50.00 元`); `None` for anything
    /// else (a third decimal, a sign, letters, more than 10,000,000 元).
    pub fn parse_yuan(text: &str) -> Option<Fen> {
        let text = text.trim().trim_end_matches('元').trim();
        let (whole, fraction) = match text.split_once('.') {
            Some((_, "")) => return None,
            Some(parts) => parts,
            None => (text, ""),
        };
        if whole.is_empty()
            || whole.len() > 8
            || fraction.len() > 2
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let yuan: u32 = whole.parse().ok()?;
        let cents: u32 = format!("{fraction:0<2}").parse().ok()?;
        yuan.checked_mul(100)?.checked_add(cents).map(Fen)
    }
}

impl fmt::Display for Fen {
    /// Shown the way a Chinese fee notice writes it: `50.00 元`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02} 元", self.0 / 100, self.0 % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_yuan_with_two_decimals() {
        assert_eq!(Fen(5000).to_string(), "50.00 元");
        assert_eq!(Fen(5).to_string(), "0.05 元");
    }

    #[test]
    fn yuan_as_typed() {
        for (text, fen) in [
            ("50", 5000),
            ("50.5", 5050),
            ("50.05", 5005),
            (" 50.00 元", 5000),
            ("0.01", 1),
        ] {
            assert_eq!(Fen::parse_yuan(text), Some(Fen(fen)), "{text}");
        }
        for text in ["", ".5", "50.", "-5", "5.005", "5e3", "五十", "1000000000"] {
            assert_eq!(Fen::parse_yuan(text), None, "{text}");
        }
    }

    #[test]
    fn multiplication_reports_overflow() {
        assert_eq!(Fen(5000).checked_mul(4), Some(Fen(20_000)));
        assert_eq!(Fen(u32::MAX).checked_mul(2), None);
    }
}
