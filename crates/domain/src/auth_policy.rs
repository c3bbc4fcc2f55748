//! When sign-in attempts get a captcha or are refused for a while. Pure: the store counts
//! failures, this decides.
//!
//! An account under attack is never locked: past a few failures every attempt on it must
//! solve a captcha, which the real owner can do and a script cannot cheaply. An address
//! that fails against many accounts first gets captchas, then is refused for the rest of
//! the window.

use time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures are counted over this sliding window.
    pub window: Duration,
    /// Failures on one account after which a captcha is required for it.
    pub account_captcha_after: u32,
    /// Failures from one address after which a captcha is required from it.
    pub ip_captcha_after: u32,
    /// Failures from one address after which it is refused until the window slides.
    pub ip_block_after: u32,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            window: Duration::minutes(15),
            account_captcha_after: 3,
            ip_captcha_after: 10,
            ip_block_after: 100,
        }
    }
}

/// Recent failures, as counted by the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecentFailures {
    pub account: u32,
    pub ip: u32,
}

/// What a sign-in attempt must clear before its password is even checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Open,
    CaptchaRequired,
    /// Refused; try again after this long.
    Blocked {
        retry_after: Duration,
    },
}

impl ThrottlePolicy {
    pub fn gate(&self, failures: RecentFailures) -> Gate {
        if failures.ip >= self.ip_block_after {
            Gate::Blocked {
                retry_after: self.window,
            }
        } else if failures.account >= self.account_captcha_after
            || failures.ip >= self.ip_captcha_after
        {
            Gate::CaptchaRequired
        } else {
            Gate::Open
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_get_captchas_addresses_get_blocked() {
        let p = ThrottlePolicy::default();
        let f = |account, ip| p.gate(RecentFailures { account, ip });
        assert_eq!(f(0, 0), Gate::Open);
        assert_eq!(f(2, 2), Gate::Open);
        assert_eq!(f(3, 3), Gate::CaptchaRequired);
        assert_eq!(
            f(1_000_000, 0),
            Gate::CaptchaRequired,
            "an account is never locked"
        );
        assert_eq!(f(0, 10), Gate::CaptchaRequired);
        assert_eq!(
            f(0, 100),
            Gate::Blocked {
                retry_after: Duration::minutes(15)
            }
        );
    }
}
