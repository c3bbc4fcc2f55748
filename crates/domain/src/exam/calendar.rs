//! The exam calendar. All instants are kept in UTC and shown in China Standard Time.

use time::{Date, Duration, OffsetDateTime, Time};

use crate::clock::CHINA_STANDARD_TIME;

/// A half-open window `[opens, closes)`: open from `opens` on, closed from `closes` on.
/// "2024年12月11日17:00前" therefore means `closes = 2024-12-11T17:00:00+08:00`: at 17:00:00
/// exactly the window is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub opens: OffsetDateTime,
    pub closes: OffsetDateTime,
}

impl Window {
    pub fn contains(&self, now: OffsetDateTime) -> bool {
        self.opens <= now && now < self.closes
    }

    pub fn has_closed(&self, now: OffsetDateTime) -> bool {
        now >= self.closes
    }
}

/// The milestones of one exam year in one exam area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calendar {
    /// 网上报名: accounts may start, fill and submit registrations.
    pub registration: Window,
    /// Registration points may return a registration (报名确认不通过) until this instant,
    /// so that a returned candidate always has time to fix it before the resubmit deadline.
    pub returns_close: OffsetDateTime,
    /// Returned registrations may be fixed and resubmitted until this instant (exclusive);
    /// from then on drafts and returned registrations are 视为自动放弃.
    pub resubmit_deadline: OffsetDateTime,
    /// Registration points confirm until this instant; a submitted registration no point
    /// decided on by then is escalated to the exam area, never abandoned.
    pub confirmation_closes: OffsetDateTime,
    /// 资格审核 by the exam area.
    pub qualification_review: Window,
    /// From this instant candidates see the result of the qualification review.
    pub qualification_results_published: OffsetDateTime,
    /// 缴费.
    pub payment: Window,
    /// Education and years of service count up to and including this date
    /// (31 December of the year before the exam).
    pub eligibility_cutoff: Date,
}

impl Calendar {
    /// A calendar whose registration window is open at `now`: it opened at the start of the
    /// previous day and closes at 17:00 three weeks later, with the later milestones
    /// following at the same distances as in a real year.
    pub fn demo_around(now: OffsetDateTime) -> Calendar {
        let today = now.to_offset(CHINA_STANDARD_TIME).date();
        let at = |date: Date, hour: u8| {
            let time = Time::from_hms(hour, 0, 0).unwrap_or(Time::MIDNIGHT);
            date.with_time(time)
                .assume_offset(CHINA_STANDARD_TIME)
                .to_offset(time::UtcOffset::UTC)
        };
        let opens_day = today - Duration::days(1);
        let closes_day = today + Duration::days(21);
        let resubmit_day = closes_day + Duration::days(2);
        let review_closes_day = resubmit_day + Duration::days(14);
        let publish_day = review_closes_day + Duration::days(2);
        let payment_opens_day = publish_day + Duration::days(10);
        let exam_year = opens_day.year() + 1;
        Calendar {
            registration: Window {
                opens: at(opens_day, 0),
                closes: at(closes_day, 17),
            },
            returns_close: at(resubmit_day - Duration::days(1), 17),
            resubmit_deadline: at(resubmit_day, 17),
            confirmation_closes: at(resubmit_day, 17),
            qualification_review: Window {
                opens: at(resubmit_day + Duration::days(1), 9),
                closes: at(review_closes_day, 17),
            },
            qualification_results_published: at(publish_day, 9),
            payment: Window {
                opens: at(payment_opens_day, 9),
                closes: at(payment_opens_day + Duration::days(9), 17),
            },
            eligibility_cutoff: Date::from_calendar_date(exam_year - 1, time::Month::December, 31)
                .unwrap_or(today),
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn window_is_half_open() {
        let w = Window {
            opens: datetime!(2024-11-26 00:00 +8),
            closes: datetime!(2024-12-11 17:00 +8),
        };
        assert!(!w.contains(datetime!(2024-11-25 23:59:59 +8)));
        assert!(w.contains(datetime!(2024-11-26 00:00 +8)));
        assert!(w.contains(datetime!(2024-12-11 16:59:59 +8)));
        assert!(!w.contains(datetime!(2024-12-11 17:00 +8)));
        assert!(w.has_closed(datetime!(2024-12-11 17:00 +8)));
        assert!(!w.has_closed(datetime!(2024-12-11 16:59:59 +8)));
    }

    #[test]
    fn demo_calendar_is_open_now_and_ordered() {
        for now in [
            datetime!(2026-11-25 17:34 UTC),
            datetime!(2026-12-31 23:59:59 +8),
            datetime!(2027-01-01 00:00 +8),
        ] {
            let c = Calendar::demo_around(now);
            assert!(c.registration.contains(now), "{now}");
            assert!(c.registration.closes < c.resubmit_deadline);
            assert!(c.registration.opens < c.returns_close);
            assert!(c.returns_close < c.resubmit_deadline);
            assert!(c.resubmit_deadline <= c.confirmation_closes);
            assert!(c.confirmation_closes <= c.qualification_review.opens);
            assert!(c.resubmit_deadline <= c.qualification_review.opens);
            assert!(c.qualification_review.closes <= c.qualification_results_published);
            assert!(c.qualification_results_published <= c.payment.opens);
            assert!(c.payment.opens < c.payment.closes);
            assert_eq!(c.eligibility_cutoff.month(), time::Month::December);
            assert_eq!(c.eligibility_cutoff.day(), 31);
        }
    }
}
