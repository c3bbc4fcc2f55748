//! What the calendar's deadlines do to registrations that are still open when they pass.

use time::OffsetDateTime;

use super::Status;
use super::lifecycle::Event;
use crate::exam::Calendar;

/// A deadline of the calendar that changes registrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    /// Drafts and returned registrations not resubmitted are 视为自动放弃 (seed, 十一).
    Resubmit,
    /// Submitted registrations no point decided on go to the exam area.
    Confirmation,
    /// Qualified registrations not paid are 视为自动放弃.
    Payment,
}

impl Deadline {
    pub fn key(self) -> &'static str {
        match self {
            Deadline::Resubmit => "resubmit_deadline",
            Deadline::Confirmation => "confirmation_closed",
            Deadline::Payment => "payment_closed",
        }
    }
}

/// One change a passed deadline calls for: every registration in `status` takes `event`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueChange {
    pub status: Status,
    pub event: Event,
    pub because: Deadline,
}

/// The changes due at `now`. A submitted registration is never abandoned: a candidate who
/// did everything in time does not lose the year because a point did not review it.
pub fn due_changes(calendar: &Calendar, now: OffsetDateTime) -> Vec<DueChange> {
    let mut due = Vec::new();
    if now >= calendar.resubmit_deadline {
        for status in Status::WITH_CANDIDATE {
            due.push(DueChange {
                status,
                event: Event::Abandon,
                because: Deadline::Resubmit,
            });
        }
    }
    if now >= calendar.confirmation_closes {
        due.push(DueChange {
            status: Status::Submitted,
            event: Event::Escalate,
            because: Deadline::Confirmation,
        });
    }
    if calendar.payment.has_closed(now) {
        due.push(DueChange {
            status: Status::Qualified,
            event: Event::Abandon,
            because: Deadline::Payment,
        });
    }
    due
}

/// Until when points should confirm what waits for them, while that is still ahead: the
/// console warns "N 条待确认，截止 …" until the confirmation close.
pub fn confirmation_due(calendar: &Calendar, now: OffsetDateTime) -> Option<OffsetDateTime> {
    (now < calendar.confirmation_closes).then_some(calendar.confirmation_closes)
}
