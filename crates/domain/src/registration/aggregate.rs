//! The registration as one aggregate: its data and every rule about what may happen to it
//! when. Services load it, ask it, and persist what it allows; pages, the API and jobs
//! never decide on their own.

use time::OffsetDateTime;
use uuid::Uuid;

use super::decision::{Decision, DecisionKind};
use super::files::{SlotView, UploadedFile, slot_views};
use super::lifecycle::{Event, transition};
use super::{RegistrationNo, Sections, Status};
use crate::account::{CandidateId, StaffRole};
use crate::exam::{Calendar, ExamDefinition};

/// One registration: one candidate, one exam.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub id: Uuid,
    pub no: RegistrationNo,
    pub exam_id: String,
    pub candidate_id: CandidateId,
    pub status: Status,
    /// Moves on with every change.
    pub revision: i32,
    /// Moves on with every change of the data printed on the application form.
    pub form_revision: i32,
    pub form_digest: String,
    pub sections: Sections,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// 上传照片: the candidate looked at the photo and confirmed it.
    pub photo_confirmed_at: Option<OffsetDateTime>,
    /// 上传全部证明材料: the set of materials was declared complete.
    pub materials_completed_at: Option<OffsetDateTime>,
    /// The latest decision a reviewer took on it.
    pub last_decision: Option<Decision>,
}

/// Why something may not happen now. Carries the facts; the sentence a person reads is
/// written where it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The registration's status does not allow it.
    Status(Status),
    /// The registration window has not opened yet.
    NotYetOpen { opens: OffsetDateTime },
    /// A draft outside the registration window.
    RegistrationClosed {
        opens: OffsetDateTime,
        closes: OffsetDateTime,
    },
    /// A returned registration at or after the resubmit deadline.
    ResubmitDeadlinePassed { deadline: OffsetDateTime },
    /// Withdrawing now would leave a draft that can no longer be submitted.
    WithdrawClosed { closes: OffsetDateTime },
    /// Points may no longer return registrations: only confirm them.
    ReturnsClosed { closes: OffsetDateTime },
    /// Points may no longer confirm: what they left goes to the exam area.
    ConfirmationClosed { closes: OffsetDateTime },
    /// 资格审核 (and deciding escalated registrations) only inside its window.
    OutsideQualificationReview {
        opens: OffsetDateTime,
        closes: OffsetDateTime,
    },
    /// 缴费 before the qualification results are published.
    ResultsNotPublished { at: OffsetDateTime },
    /// 缴费 before the payment window opens.
    PaymentNotYetOpen { opens: OffsetDateTime },
    /// 缴费 at or after the payment close.
    PaymentClosed { closes: OffsetDateTime },
    /// This role does not take this decision on a registration in this status.
    Role {
        role: StaffRole,
        kind: DecisionKind,
        status: Status,
    },
}

fn registration_window(calendar: &Calendar, now: OffsetDateTime) -> Result<(), Refusal> {
    let window = calendar.registration;
    if now < window.opens {
        Err(Refusal::NotYetOpen {
            opens: window.opens,
        })
    } else if window.has_closed(now) {
        Err(Refusal::RegistrationClosed {
            opens: window.opens,
            closes: window.closes,
        })
    } else {
        Ok(())
    }
}

impl Registration {
    /// Whether the candidate may change its data and files now: a draft inside the
    /// registration window; a returned registration until the resubmit deadline (seed,
    /// section 十一), even after the registration window closed.
    pub fn may_edit(&self, exam: &ExamDefinition, now: OffsetDateTime) -> Result<(), Refusal> {
        let calendar = &exam.calendar;
        match self.status {
            Status::Draft => registration_window(calendar, now),
            Status::Returned if now < calendar.resubmit_deadline => Ok(()),
            Status::Returned => Err(Refusal::ResubmitDeadlinePassed {
                deadline: calendar.resubmit_deadline,
            }),
            other => Err(Refusal::Status(other)),
        }
    }

    /// 提交报名信息: the status it moves to, if it may be submitted now (the same windows
    /// as changing it). What it still lacks is [`Registration::missing_for_submit`].
    pub fn may_submit(
        &self,
        exam: &ExamDefinition,
        now: OffsetDateTime,
    ) -> Result<Status, Refusal> {
        let next = transition(self.status, Event::Submit).map_err(|e| Refusal::Status(e.from))?;
        self.may_edit(exam, now)?;
        Ok(next)
    }

    /// 撤回: only while what follows, a draft, can still be submitted, that is inside the
    /// registration window.
    pub fn may_withdraw(
        &self,
        exam: &ExamDefinition,
        now: OffsetDateTime,
    ) -> Result<Status, Refusal> {
        let next = transition(self.status, Event::Withdraw).map_err(|e| Refusal::Status(e.from))?;
        let window = exam.calendar.registration;
        if !window.contains(now) {
            return Err(Refusal::WithdrawClosed {
                closes: window.closes,
            });
        }
        Ok(next)
    }

    /// 缴费: a qualified registration, from the publication of the results and inside the
    /// payment window. Ask it of [`Registration::as_seen_by_candidate`] for a candidate.
    pub fn may_pay(&self, exam: &ExamDefinition, now: OffsetDateTime) -> Result<Status, Refusal> {
        let calendar = &exam.calendar;
        if now < calendar.qualification_results_published
            && matches!(self.status, Status::Confirmed | Status::Qualified)
        {
            return Err(Refusal::ResultsNotPublished {
                at: calendar.qualification_results_published,
            });
        }
        let next = transition(self.status, Event::Pay).map_err(|e| Refusal::Status(e.from))?;
        if now < calendar.payment.opens {
            return Err(Refusal::PaymentNotYetOpen {
                opens: calendar.payment.opens,
            });
        }
        if calendar.payment.has_closed(now) {
            return Err(Refusal::PaymentClosed {
                closes: calendar.payment.closes,
            });
        }
        Ok(next)
    }

    /// Whether `role` may take decision `kind` now; the status it moves to if so.
    /// Returns close before the resubmit deadline (so a returned candidate has time to
    /// fix); points confirm until the confirmation close; the exam area decides escalated
    /// registrations until, and qualification only inside, the qualification review.
    pub fn may_decide(
        &self,
        kind: DecisionKind,
        role: StaffRole,
        exam: &ExamDefinition,
        now: OffsetDateTime,
    ) -> Result<Status, Refusal> {
        let role_refused = Refusal::Role {
            role,
            kind,
            status: self.status,
        };
        if !kind.ever_decided_by(role) {
            return Err(role_refused);
        }
        let next = transition(self.status, kind.event()).map_err(|e| Refusal::Status(e.from))?;
        if !kind.decided_by(self.status).contains(&role) {
            return Err(role_refused);
        }
        let calendar = &exam.calendar;
        let review = calendar.qualification_review;
        match (self.status, kind) {
            (Status::Submitted, DecisionKind::Return) if now >= calendar.returns_close => {
                Err(Refusal::ReturnsClosed {
                    closes: calendar.returns_close,
                })
            }
            (Status::Submitted, _) if now >= calendar.confirmation_closes => {
                Err(Refusal::ConfirmationClosed {
                    closes: calendar.confirmation_closes,
                })
            }
            (Status::Escalated, _) if review.has_closed(now) => {
                Err(Refusal::OutsideQualificationReview {
                    opens: review.opens,
                    closes: review.closes,
                })
            }
            (Status::Confirmed, _) if !review.contains(now) => {
                Err(Refusal::OutsideQualificationReview {
                    opens: review.opens,
                    closes: review.closes,
                })
            }
            _ => Ok(next),
        }
    }

    /// The decisions `role` may take now, in the order a form offers them.
    pub fn decisions_open_to(
        &self,
        role: StaffRole,
        exam: &ExamDefinition,
        now: OffsetDateTime,
    ) -> Vec<DecisionKind> {
        DecisionKind::ALL
            .into_iter()
            .filter(|kind| self.may_decide(*kind, role, exam, now).is_ok())
            .collect()
    }

    /// The registration as its candidate may see it at `now`: a qualification decision
    /// stays hidden until the exam's publication time (the registration reads as it was
    /// before the decision).
    pub fn as_seen_by_candidate(&self, exam: &ExamDefinition, now: OffsetDateTime) -> Registration {
        match &self.last_decision {
            Some(decision)
                if decision.kind.is_qualification()
                    && !decision_visible_to_candidate(decision.kind, exam, now) =>
            {
                // Nothing of the decision shows, not even the revision it moved on.
                Registration {
                    status: decision.from,
                    revision: decision.revision,
                    last_decision: None,
                    ..self.clone()
                }
            }
            _ => self.clone(),
        }
    }

    /// The reasons of the latest decision, one line each (empty when it gave none).
    pub fn reason_lines(&self) -> Vec<String> {
        self.last_decision
            .iter()
            .flat_map(|d| d.reasons.iter().map(super::DecisionReason::line))
            .collect()
    }

    /// The material slots that apply, each with its files.
    pub fn slots(&self, exam: &ExamDefinition, files: &[UploadedFile]) -> Vec<SlotView> {
        slot_views(exam, &self.sections.applicant_facts(exam), files)
    }

    /// The signed forms on file that were uploaded at an older revision of the printed
    /// data: they must be printed, signed and uploaded again.
    pub fn stale_forms<'a>(&self, files: &'a [UploadedFile]) -> Vec<&'a UploadedFile> {
        files
            .iter()
            .filter(|f| f.is_form() && f.form_revision != Some(self.form_revision))
            .collect()
    }

    /// The (photo confirmed, materials completed) milestones after a file of `slot`
    /// changed: a new photo must be confirmed again; changed materials must be completed
    /// again.
    pub fn milestones_after_change(
        &self,
        slot: &str,
    ) -> (Option<OffsetDateTime>, Option<OffsetDateTime>) {
        if slot == super::PHOTO_SLOT {
            (None, self.materials_completed_at)
        } else {
            (self.photo_confirmed_at, None)
        }
    }
}

/// Whether a candidate may see a decision of `kind` at `now`: 资格审核 results only from
/// the exam's publication time (seed, section 九).
pub fn decision_visible_to_candidate(
    kind: DecisionKind,
    exam: &ExamDefinition,
    now: OffsetDateTime,
) -> bool {
    !kind.is_qualification() || now >= exam.calendar.qualification_results_published
}
