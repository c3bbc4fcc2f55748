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

/// One-time codes sent by SMS or e-mail (sign-up and password reset): how long they live,
/// how often one recipient may be sent one, and how many one address may ask for.
///
/// Every code costs a message to a real person, so the limits protect the recipients
/// (one phone is never flooded, whatever accounts name it) and the exam area's SMS budget
/// (one address asking for many phones needs a captcha, then waits). As with sign-in, a
/// person behind a busy address is asked for a captcha, not shut out, until a ceiling no
/// hospital reaches in an hour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodePolicy {
    /// How long a code can be used.
    pub lifetime: Duration,
    /// Wrong tries after which a code is dead.
    pub max_tries: u32,
    /// At most this many codes to one recipient within each window.
    pub per_recipient: [(Duration, u32); 3],
    /// Requests from one address are counted over this sliding window.
    pub address_window: Duration,
    /// Requests from one address after which each further one needs a captcha.
    pub address_captcha_after: u32,
    /// Requests from one address after which it waits for the window to move on.
    pub address_ceiling: u32,
}

impl Default for CodePolicy {
    fn default() -> Self {
        CodePolicy {
            lifetime: Duration::minutes(10),
            max_tries: 5,
            per_recipient: [
                (Duration::minutes(1), 1),
                (Duration::hours(1), 5),
                (Duration::days(1), 10),
            ],
            address_window: Duration::hours(1),
            address_captcha_after: 5,
            address_ceiling: 120,
        }
    }
}

impl CodePolicy {
    /// The longest window any limit looks back over.
    pub fn lookback(&self) -> Duration {
        self.per_recipient
            .iter()
            .map(|(window, _)| *window)
            .chain([self.address_window])
            .max()
            .unwrap_or(self.address_window)
    }

    /// How long the recipient of codes sent at `sent` (any order) must wait for another;
    /// `None` when one may go now.
    pub fn recipient_wait(&self, sent: &[OffsetDateTime], now: OffsetDateTime) -> Option<Duration> {
        self.per_recipient
            .iter()
            .filter_map(|&(window, max)| free_after(sent, window, max, now))
            .max()
    }

    /// What a request from an address that asked at `asked` must clear.
    pub fn address_gate(&self, asked: &[OffsetDateTime], now: OffsetDateTime) -> Gate {
        if let Some(retry_after) = free_after(asked, self.address_window, self.address_ceiling, now)
        {
            return Gate::Wait { retry_after };
        }
        let recent = asked
            .iter()
            .filter(|at| **at > now - self.address_window)
            .count();
        if recent >= usize::try_from(self.address_captcha_after).unwrap_or(usize::MAX) {
            Gate::CaptchaRequired
        } else {
            Gate::Open
        }
    }
}

/// With `max` events allowed per sliding `window`, how long until the next one is: `None`
/// when it is now.
fn free_after(
    events: &[OffsetDateTime],
    window: Duration,
    max: u32,
    now: OffsetDateTime,
) -> Option<Duration> {
    let mut recent: Vec<OffsetDateTime> = events
        .iter()
        .copied()
        .filter(|at| *at > now - window)
        .collect();
    let max = usize::try_from(max).unwrap_or(usize::MAX);
    if recent.len() < max {
        return None;
    }
    // The window frees when enough of the recent events fall out of it that fewer than
    // `max` remain: the (len - max + 1)-th oldest leaves last.
    recent.sort_unstable();
    let leaving = recent[recent.len() - max];
    Some(leaving + window - now)
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

    fn minutes_ago(list: &[i64]) -> Vec<OffsetDateTime> {
        list.iter().map(|m| NOW - Duration::minutes(*m)).collect()
    }

    #[test]
    fn one_recipient_gets_a_code_a_minute_five_an_hour_ten_a_day() {
        let policy = CodePolicy::default();
        assert_eq!(policy.recipient_wait(&[], NOW), None);
        assert_eq!(
            policy.recipient_wait(&minutes_ago(&[0]), NOW),
            Some(Duration::minutes(1))
        );
        assert_eq!(policy.recipient_wait(&minutes_ago(&[1]), NOW), None);
        assert_eq!(
            policy.recipient_wait(&minutes_ago(&[50, 40, 30, 20, 10]), NOW),
            Some(Duration::minutes(10)),
            "the oldest of the five leaves the hour in ten minutes"
        );
        let ten_today = minutes_ago(&[600, 500, 400, 300, 200, 180, 170, 160, 150, 140]);
        assert_eq!(
            policy.recipient_wait(&ten_today, NOW),
            Some(Duration::hours(14)),
            "the oldest of the day's ten leaves the day in 14 hours"
        );
    }

    #[test]
    fn a_busy_address_is_asked_for_captchas_then_waits_for_its_window() {
        let policy = CodePolicy::default();
        assert_eq!(
            policy.address_gate(&minutes_ago(&[1, 2, 3, 4]), NOW),
            Gate::Open
        );
        assert_eq!(
            policy.address_gate(&minutes_ago(&[1, 2, 3, 4, 5]), NOW),
            Gate::CaptchaRequired
        );
        assert_eq!(
            policy.address_gate(&minutes_ago(&[61, 62, 63, 64, 65]), NOW),
            Gate::Open,
            "an hour later"
        );
        let ceiling: Vec<i64> = (0..120).map(|n| n / 3).collect();
        assert_eq!(
            policy.address_gate(&minutes_ago(&ceiling), NOW),
            Gate::Wait {
                retry_after: Duration::minutes(21)
            },
            "the oldest of the 120 asked 39 minutes ago"
        );
    }
}
