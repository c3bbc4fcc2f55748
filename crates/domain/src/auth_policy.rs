//! When sign-in attempts need a captcha or must wait. Pure: the store counts failures,
//! this decides.
//!
//! Nobody is ever locked out for good, and a correct password is never refused because
//! of someone else's failures:
//! - An account that fails a few times needs a captcha on every attempt; past a budget of
//!   failures (counted over a day, from every address together, so rotating addresses
//!   does not help) each further attempt waits a delay that doubles with every failure,
//!   up to an hour.
//! - An address that fails against many accounts needs a captcha on every attempt, which
//!   costs a script and not a person; it is never blocked, because one address may be a
//!   whole hospital behind one NAT at the deadline.

use time::{Duration, OffsetDateTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures from an address are counted over this sliding window.
    pub ip_window: Duration,
    /// Failures on an account are counted over this sliding window.
    pub account_window: Duration,
    /// Failures on one account after which a captcha is required for it.
    pub account_captcha_after: u32,
    /// Failures from one address after which a captcha is required from it.
    pub ip_captcha_after: u32,
    /// Failures on one account after which every attempt waits since the last failure.
    pub account_delay_after: u32,
    /// The first wait; it doubles with each further failure.
    pub first_delay: Duration,
    /// The longest wait.
    pub max_delay: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            ip_window: Duration::minutes(15),
            account_window: Duration::days(1),
            account_captcha_after: 3,
            ip_captcha_after: 10,
            account_delay_after: 10,
            first_delay: Duration::minutes(1),
            max_delay: Duration::hours(1),
        }
    }
}

/// Recent failures, as counted by the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecentFailures {
    /// On the account, within the account window.
    pub account: u32,
    /// The latest of them.
    pub account_last: Option<OffsetDateTime>,
    /// From the address, within the address window.
    pub ip: u32,
}

/// What a sign-in attempt must clear before its password is even checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Open,
    CaptchaRequired,
    /// Wait this long; then a captcha is required.
    Wait {
        retry_after: Duration,
    },
}

impl ThrottlePolicy {
    /// The wait after the account's `failures`-th failure, if any.
    pub fn delay(&self, failures: u32) -> Option<Duration> {
        let over = failures.checked_sub(self.account_delay_after)?;
        let factor = 1_i32.checked_shl(over.min(30)).unwrap_or(i32::MAX);
        Some(
            self.first_delay
                .checked_mul(factor)
                .map_or(self.max_delay, |d| d.min(self.max_delay)),
        )
    }

    pub fn gate(&self, failures: RecentFailures, now: OffsetDateTime) -> Gate {
        if let (Some(delay), Some(last)) = (self.delay(failures.account), failures.account_last) {
            let until = last + delay;
            if now < until {
                return Gate::Wait {
                    retry_after: until - now,
                };
            }
        }
        if failures.account >= self.account_captcha_after || failures.ip >= self.ip_captcha_after {
            Gate::CaptchaRequired
        } else {
            Gate::Open
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2024-12-11 16:00 +8);

    fn gate(account: u32, last_minutes_ago: i64, ip: u32) -> Gate {
        ThrottlePolicy::default().gate(
            RecentFailures {
                account,
                account_last: Some(NOW - Duration::minutes(last_minutes_ago)),
                ip,
            },
            NOW,
        )
    }

    #[test]
    fn a_few_failures_ask_for_a_captcha() {
        assert_eq!(gate(0, 0, 0), Gate::Open);
        assert_eq!(gate(2, 0, 9), Gate::Open);
        assert_eq!(gate(3, 0, 0), Gate::CaptchaRequired);
        assert_eq!(gate(9, 0, 0), Gate::CaptchaRequired);
    }

    #[test]
    fn an_address_is_never_blocked_only_asked_for_captchas() {
        assert_eq!(gate(0, 0, 10), Gate::CaptchaRequired);
        assert_eq!(gate(0, 0, 1_000_000), Gate::CaptchaRequired);
    }

    #[test]
    fn an_accounts_budget_spent_means_a_doubling_wait_never_a_lock() {
        assert_eq!(
            gate(10, 0, 0),
            Gate::Wait {
                retry_after: Duration::minutes(1)
            }
        );
        assert_eq!(gate(10, 1, 0), Gate::CaptchaRequired, "waited out");
        assert_eq!(
            gate(13, 3, 0),
            Gate::Wait {
                retry_after: Duration::minutes(5)
            },
            "8 minutes after the 13th failure"
        );
        assert_eq!(
            gate(1_000, 59, 0),
            Gate::Wait {
                retry_after: Duration::minutes(1)
            },
            "at most an hour"
        );
        assert_eq!(gate(1_000, 60, 0), Gate::CaptchaRequired);
    }
}
