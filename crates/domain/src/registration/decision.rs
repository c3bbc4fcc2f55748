//! Decisions staff take on a registration: 报名确认 (confirm, or return with reasons) by a
//! registration point, 资格审核 (qualify, or disqualify with reasons) by the exam area.
//! Each is a typed row of its own, written with the status change it causes.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::Status;
use super::lifecycle::Event;
use crate::account::{StaffId, StaffRole};

/// What a reviewer decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// 报名确认通过.
    Confirm,
    /// 报名确认不通过: back to the candidate with reasons.
    Return,
    /// 资格审核通过.
    Qualify,
    /// 资格审核不通过, with reasons.
    Disqualify,
}

impl DecisionKind {
    pub const ALL: [DecisionKind; 4] = [
        DecisionKind::Confirm,
        DecisionKind::Return,
        DecisionKind::Qualify,
        DecisionKind::Disqualify,
    ];

    pub fn key(self) -> &'static str {
        match self {
            DecisionKind::Confirm => "confirm",
            DecisionKind::Return => "return",
            DecisionKind::Qualify => "qualify",
            DecisionKind::Disqualify => "disqualify",
        }
    }

    pub fn from_key(key: &str) -> Option<DecisionKind> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            DecisionKind::Confirm => "报名确认通过",
            DecisionKind::Return => "报名确认不通过",
            DecisionKind::Qualify => "资格审核通过",
            DecisionKind::Disqualify => "资格审核不通过",
        }
    }

    /// The lifecycle event the decision is.
    pub fn event(self) -> Event {
        match self {
            DecisionKind::Confirm => Event::Confirm,
            DecisionKind::Return => Event::Return,
            DecisionKind::Qualify => Event::Qualify,
            DecisionKind::Disqualify => Event::Disqualify,
        }
    }

    /// A negative decision says why.
    pub fn needs_reasons(self) -> bool {
        matches!(self, DecisionKind::Return | DecisionKind::Disqualify)
    }

    /// 资格审核 results reach candidates only from the exam's publication time.
    pub fn is_qualification(self) -> bool {
        matches!(self, DecisionKind::Qualify | DecisionKind::Disqualify)
    }

    /// Who takes this decision on a registration in `status`: registration points confirm
    /// or return what was submitted; the exam area decides what a point left at the
    /// confirmation close, and reviews qualification; an administrator may do all.
    /// Empty when the decision does not apply to the status.
    pub fn decided_by(self, status: Status) -> &'static [StaffRole] {
        const POINT: &[StaffRole] = &[StaffRole::PointReviewer, StaffRole::Admin];
        const AREA: &[StaffRole] = &[StaffRole::AreaReviewer, StaffRole::Admin];
        match (status, self) {
            (Status::Submitted, DecisionKind::Confirm | DecisionKind::Return) => POINT,
            (Status::Escalated, DecisionKind::Confirm | DecisionKind::Disqualify) => AREA,
            (Status::Confirmed, DecisionKind::Qualify | DecisionKind::Disqualify) => AREA,
            _ => &[],
        }
    }

    /// Whether `role` takes this kind of decision on any registration at all.
    pub fn ever_decided_by(self, role: StaffRole) -> bool {
        Status::ALL
            .iter()
            .any(|s| self.decided_by(*s).contains(&role))
    }
}

/// One reason given with a decision: a coded reason of the exam, optionally the slot it
/// concerns and a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionReason {
    pub code: String,
    /// The reason's text in the exam definition when it was given.
    pub text: String,
    #[serde(default)]
    pub slot: Option<String>,
    #[serde(default)]
    pub note: String,
}

impl DecisionReason {
    /// The reason as one line a candidate reads: the text, the slot, the note.
    pub fn line(&self) -> String {
        let mut line = self.text.clone();
        if let Some(slot) = &self.slot {
            line.push_str(&format!("（材料框 {slot}）"));
        }
        if !self.note.is_empty() {
            line.push_str(&format!("：{}", self.note));
        }
        line
    }
}

/// A decision as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub kind: DecisionKind,
    /// The status it was taken on (submitted, escalated, confirmed).
    pub from: Status,
    pub reasons: Vec<DecisionReason>,
    pub staff: StaffId,
    /// The registration's revision the reviewer saw.
    pub revision: i32,
    pub at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registration::lifecycle::transition;

    #[test]
    fn every_decision_its_deciders_follow_the_lifecycle() {
        for status in Status::ALL {
            for kind in DecisionKind::ALL {
                let deciders = kind.decided_by(status);
                assert_eq!(
                    deciders.is_empty(),
                    transition(status, kind.event()).is_err(),
                    "{status:?} {kind:?}"
                );
            }
        }
        assert!(DecisionKind::Confirm.ever_decided_by(StaffRole::AreaReviewer));
        assert!(!DecisionKind::Return.ever_decided_by(StaffRole::AreaReviewer));
        assert!(!DecisionKind::Qualify.ever_decided_by(StaffRole::PointReviewer));
    }

    #[test]
    fn a_reason_reads_as_one_line() {
        let reason = DecisionReason {
            code: "material_unclear".into(),
            text: "材料不清晰".into(),
            slot: Some("3-1".into()),
            note: "学位证看不清".into(),
        };
        assert_eq!(reason.line(), "材料不清晰（材料框 3-1）：学位证看不清");
    }
}
