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
    fn multiplication_reports_overflow() {
        assert_eq!(Fen(5000).checked_mul(4), Some(Fen(20_000)));
        assert_eq!(Fen(u32::MAX).checked_mul(2), None);
    }
}
