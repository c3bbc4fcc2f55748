//! Time as an input. Services receive a `Clock`; domain functions receive `now`.

use std::fmt::Debug;

use time::{OffsetDateTime, UtcOffset};

/// China Standard Time (UTC+8). China has had no daylight saving time since 1991, so
/// Asia/Shanghai is exactly this fixed offset for every date the system deals with.
pub const CHINA_STANDARD_TIME: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// Where "now" comes from.
pub trait Clock: Send + Sync + Debug {
    fn now(&self) -> OffsetDateTime;
}

/// The production clock: the one place that reads the wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[expect(
        clippy::disallowed_methods,
        reason = "the one place that reads the wall clock"
    )]
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn china_standard_time_is_utc_plus_eight() {
        assert_eq!(CHINA_STANDARD_TIME.whole_hours(), 8);
        assert_eq!(CHINA_STANDARD_TIME.minutes_past_hour(), 0);
    }
}
