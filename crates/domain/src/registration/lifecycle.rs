//! The registration's life: one declared transition table. Every status change in the
//! system goes through [`transition`]; services never compare statuses by hand.

use std::fmt;

use super::Status;

/// What can happen to a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// 提交报名信息 (also resubmitting a returned registration).
    Submit,
    /// 撤回: the candidate takes back a submission no one has decided on.
    Withdraw,
    /// A historical candidate whose data matches last year's is confirmed on submission.
    AutoConfirm,
    /// 报名确认: the registration point confirms.
    Confirm,
    /// 报名确认不通过: the registration point returns it with reasons.
    Return,
    /// 资格审核通过.
    Qualify,
    /// 资格审核不通过.
    Disqualify,
    /// 缴费成功.
    Pay,
    /// 视为自动放弃: a deadline passed (not resubmitted, not paid).
    Abandon,
    /// The point-confirmation close passed with no decision: the exam area decides.
    Escalate,
}

impl Event {
    pub const ALL: [Event; 10] = [
        Event::Submit,
        Event::Withdraw,
        Event::AutoConfirm,
        Event::Confirm,
        Event::Return,
        Event::Qualify,
        Event::Disqualify,
        Event::Pay,
        Event::Abandon,
        Event::Escalate,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Event::Submit => "submit",
            Event::Withdraw => "withdraw",
            Event::AutoConfirm => "auto_confirm",
            Event::Confirm => "confirm",
            Event::Return => "return",
            Event::Qualify => "qualify",
            Event::Disqualify => "disqualify",
            Event::Pay => "pay",
            Event::Abandon => "abandon",
            Event::Escalate => "escalate",
        }
    }
}

/// An event that does not apply to the registration's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub struct IllegalTransition {
    pub from: Status,
    pub event: Event,
}

impl fmt::Display for IllegalTransition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "报名状态为“{}”，不能进行此操作", self.from.label())
    }
}

/// The one table of the lifecycle.
pub fn transition(from: Status, event: Event) -> Result<Status, IllegalTransition> {
    use Event as E;
    use Status as S;
    match (from, event) {
        (S::Draft | S::Returned, E::Submit) => Ok(S::Submitted),
        (S::Draft | S::Returned, E::AutoConfirm) => Ok(S::Confirmed),
        (S::Submitted, E::Withdraw) => Ok(S::Draft),
        (S::Submitted, E::Confirm) => Ok(S::Confirmed),
        (S::Submitted, E::Return) => Ok(S::Returned),
        // Nobody loses the year because a point did not review: no abandoning a
        // submitted registration, it goes to the exam area.
        (S::Submitted, E::Escalate) => Ok(S::Escalated),
        (S::Escalated, E::Confirm) => Ok(S::Confirmed),
        (S::Escalated | S::Confirmed, E::Disqualify) => Ok(S::NotQualified),
        (S::Confirmed, E::Qualify) => Ok(S::Qualified),
        (S::Qualified, E::Pay) => Ok(S::Paid),
        (S::Draft | S::Returned | S::Qualified, E::Abandon) => Ok(S::Abandoned),
        (from, event) => Err(IllegalTransition { from, event }),
    }
}

/// The table as a Mermaid state diagram, for `docs/registration-lifecycle.md`.
pub fn mermaid() -> String {
    let mut out = String::from("stateDiagram-v2\n    [*] --> draft\n");
    for from in Status::ALL {
        for event in Event::ALL {
            if let Ok(to) = transition(from, event) {
                out.push_str(&format!(
                    "    {} --> {}: {}\n",
                    from.key(),
                    to.key(),
                    event.key()
                ));
            }
        }
    }
    for end in [Status::Paid, Status::NotQualified, Status::Abandoned] {
        out.push_str(&format!("    {} --> [*]\n", end.key()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_and_event_pair_against_the_expected_table() {
        use Event as E;
        use Status as S;
        let allowed: &[(S, E, S)] = &[
            (S::Draft, E::Submit, S::Submitted),
            (S::Draft, E::AutoConfirm, S::Confirmed),
            (S::Draft, E::Abandon, S::Abandoned),
            (S::Submitted, E::Withdraw, S::Draft),
            (S::Submitted, E::Confirm, S::Confirmed),
            (S::Submitted, E::Return, S::Returned),
            (S::Submitted, E::Escalate, S::Escalated),
            (S::Escalated, E::Confirm, S::Confirmed),
            (S::Escalated, E::Disqualify, S::NotQualified),
            (S::Returned, E::Submit, S::Submitted),
            (S::Returned, E::AutoConfirm, S::Confirmed),
            (S::Returned, E::Abandon, S::Abandoned),
            (S::Confirmed, E::Qualify, S::Qualified),
            (S::Confirmed, E::Disqualify, S::NotQualified),
            (S::Qualified, E::Pay, S::Paid),
            (S::Qualified, E::Abandon, S::Abandoned),
        ];
        let mut checked = 0;
        for from in Status::ALL {
            for event in Event::ALL {
                let expected = allowed
                    .iter()
                    .find(|(f, e, _)| *f == from && *e == event)
                    .map(|(_, _, to)| *to);
                match (transition(from, event), expected) {
                    (Ok(to), Some(want)) => assert_eq!(to, want, "{from:?} + {event:?}"),
                    (Err(err), None) => assert_eq!(err, IllegalTransition { from, event }),
                    (got, want) => panic!("{from:?} + {event:?}: got {got:?}, expected {want:?}"),
                }
                checked += 1;
            }
        }
        assert_eq!(checked, Status::ALL.len() * Event::ALL.len());
    }

    /// `EXAMREG_UPDATE_DOCS=1 cargo test -p examreg-domain` rewrites the file.
    #[test]
    fn the_diagram_in_docs_matches_the_table() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../docs/registration-lifecycle.md");
        let expected = format!(
            "# Registration lifecycle\n\nGenerated from `domain::registration::lifecycle::transition` \
             (a test fails when they differ).\n\n```mermaid\n{}```\n",
            mermaid()
        );
        if std::env::var_os("EXAMREG_UPDATE_DOCS").is_some() {
            std::fs::write(&path, &expected).unwrap();
        }
        let doc = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            doc,
            expected,
            "run EXAMREG_UPDATE_DOCS=1 cargo test -p examreg-domain to regenerate {}",
            path.display()
        );
    }
}
