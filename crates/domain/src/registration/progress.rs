//! What the candidate sees of where they are: the seven nodes of the progress bar and the
//! to-do list (待办事项) shown on every page.

use time::OffsetDateTime;

use super::aggregate::Registration;
use super::files::UploadedFile;
use super::missing::Missing;
use super::{Status, StepState};
use crate::exam::ExamDefinition;
use crate::journey::Step;

/// Something the candidate has to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Todo {
    /// 报名确认不通过: fix what the point named and resubmit before the deadline.
    FixReturned {
        reasons: Vec<String>,
        deadline: OffsetDateTime,
    },
    /// A draft: the next thing to do (`None`: submit), and when registration closes.
    Continue {
        next: Option<Missing>,
        closes: OffsetDateTime,
    },
    /// The data changed since the signed form on file was printed.
    ReprintForm { current: i32 },
    /// 缴费: qualified, and the payment window is open (`open_now`) or still to come.
    Pay {
        open_now: bool,
        opens: OffsetDateTime,
        closes: OffsetDateTime,
    },
}

impl Registration {
    /// The seven nodes of the guide: 填写/修改报考信息 is green once all four sections are
    /// saved, 上传照片 once the photo is confirmed, 上传材料 once 上传全部证明材料 succeeded,
    /// the rest by status. Ask it of [`Registration::as_seen_by_candidate`] for a
    /// candidate.
    pub fn steps(&self) -> Vec<StepState> {
        // An escalated registration the exam area refused was never confirmed.
        let refused_unconfirmed = self.status == Status::NotQualified
            && self
                .last_decision
                .as_ref()
                .is_some_and(|d| d.from == Status::Escalated);
        Step::ALL
            .iter()
            .map(|step| StepState {
                step: *step,
                reached: match step {
                    Step::FillIn => self.sections.complete(),
                    Step::Photo => self.photo_confirmed_at.is_some(),
                    Step::Materials => self.materials_completed_at.is_some(),
                    Step::Submit => self.status.is_submitted(),
                    Step::Confirmation => self.status.is_confirmed() && !refused_unconfirmed,
                    Step::QualificationReview => self.status.is_qualified(),
                    Step::Payment => self.status == Status::Paid,
                },
            })
            .collect()
    }

    /// The to-do list at `now`: only what the candidate can still do.
    pub fn todos(
        &self,
        exam: &ExamDefinition,
        files: &[UploadedFile],
        now: OffsetDateTime,
    ) -> Vec<Todo> {
        let mut todos = Vec::new();
        let payment = exam.calendar.payment;
        match self.may_pay(exam, now) {
            Ok(_) | Err(super::Refusal::PaymentNotYetOpen { .. }) => {
                todos.push(Todo::Pay {
                    open_now: payment.contains(now),
                    opens: payment.opens,
                    closes: payment.closes,
                });
                return todos;
            }
            Err(_) => {}
        }
        if self.may_edit(exam, now).is_err() {
            return todos;
        }
        let mut next_is_reprint = false;
        match self.status {
            Status::Returned => todos.push(Todo::FixReturned {
                reasons: self.reason_lines(),
                deadline: exam.calendar.resubmit_deadline,
            }),
            _ => {
                let next = self.missing_for_submit(exam, files).into_iter().next();
                next_is_reprint = matches!(next, Some(Missing::StaleForm { .. }));
                todos.push(Todo::Continue {
                    next,
                    closes: exam.calendar.registration.closes,
                });
            }
        }
        if !next_is_reprint && !self.stale_forms(files).is_empty() {
            todos.push(Todo::ReprintForm {
                current: self.form_revision,
            });
        }
        todos
    }
}
