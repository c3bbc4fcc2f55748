//! The registration's rules as tables: every rule, every status, one second before, at
//! and one second after each deadline of the bundled Shanghai calendar. The expected
//! windows are written out as the seed and the calendar give them, not derived from the
//! code under test.

use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::deadlines::{Deadline, due_changes};
use super::lifecycle::Event;
use super::*;
use crate::account::{CandidateId, StaffId, StaffRole};
use crate::exam::ExamDefinition;

const BUNDLED: &str = include_str!("../../../../exams/shanghai-2025.toml");

fn exam() -> ExamDefinition {
    ExamDefinition::from_toml("shanghai-2025.toml", BUNDLED).unwrap()
}

/// Far enough back or ahead to stand for "always" in a window.
const EVER: OffsetDateTime = datetime!(2000-01-01 00:00 +8);
const NEVER: OffsetDateTime = datetime!(2100-01-01 00:00 +8);

const REGISTRATION_OPENS: OffsetDateTime = datetime!(2024-11-26 00:00 +8);
const REGISTRATION_CLOSES: OffsetDateTime = datetime!(2024-12-10 00:00 +8);
const RETURNS_CLOSE: OffsetDateTime = datetime!(2024-12-10 17:00 +8);
const RESUBMIT_DEADLINE: OffsetDateTime = datetime!(2024-12-11 17:00 +8);
const CONFIRMATION_CLOSES: OffsetDateTime = datetime!(2024-12-11 17:00 +8);
const REVIEW_OPENS: OffsetDateTime = datetime!(2025-01-06 00:00 +8);
const REVIEW_CLOSES: OffsetDateTime = datetime!(2025-01-25 00:00 +8);
const PUBLISHED: OffsetDateTime = datetime!(2025-01-26 00:00 +8);
const PAYMENT_OPENS: OffsetDateTime = datetime!(2025-02-07 00:00 +8);
const PAYMENT_CLOSES: OffsetDateTime = datetime!(2025-02-17 00:00 +8);

/// One second before, at, and one second after every deadline.
fn instants() -> Vec<OffsetDateTime> {
    [
        REGISTRATION_OPENS,
        REGISTRATION_CLOSES,
        RETURNS_CLOSE,
        RESUBMIT_DEADLINE,
        CONFIRMATION_CLOSES,
        REVIEW_OPENS,
        REVIEW_CLOSES,
        PUBLISHED,
        PAYMENT_OPENS,
        PAYMENT_CLOSES,
    ]
    .into_iter()
    .flat_map(|d| [d - Duration::SECOND, d, d + Duration::SECOND])
    .collect()
}

/// Half-open windows `[from, to)` in which a rule allows a status.
type Windows = &'static [(Status, OffsetDateTime, OffsetDateTime)];

fn expected(windows: Windows, status: Status, now: OffsetDateTime) -> bool {
    windows
        .iter()
        .any(|(s, from, to)| *s == status && *from <= now && now < *to)
}

fn registration(status: Status) -> Registration {
    Registration {
        id: Uuid::nil(),
        no: RegistrationNo::new(2025, "310000", [1, 2, 3, 4, 5, 6, 7]),
        exam_id: "2025-shanghai".into(),
        candidate_id: CandidateId(Uuid::nil()),
        status,
        revision: 3,
        form_revision: 2,
        form_digest: String::new(),
        sections: Sections::default(),
        created_at: REGISTRATION_OPENS,
        updated_at: REGISTRATION_OPENS,
        photo_confirmed_at: None,
        materials_completed_at: None,
        last_decision: None,
    }
}

/// Checks `rule` against `windows` for every status at every instant.
fn table(name: &str, windows: Windows, rule: impl Fn(&Registration, OffsetDateTime) -> bool) {
    let mut checked = 0;
    for status in Status::ALL {
        let r = registration(status);
        for now in instants() {
            assert_eq!(
                rule(&r, now),
                expected(windows, status, now),
                "{name}: {status:?} at {now}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, Status::ALL.len() * 30);
}

#[test]
fn the_candidate_changes_a_draft_in_the_window_and_a_returned_one_until_the_resubmit_deadline() {
    let exam = exam();
    const EDIT: Windows = &[
        (Status::Draft, REGISTRATION_OPENS, REGISTRATION_CLOSES),
        (Status::Returned, EVER, RESUBMIT_DEADLINE),
    ];
    table("may_edit", EDIT, |r, now| r.may_edit(&exam, now).is_ok());
    table("may_submit", EDIT, |r, now| {
        r.may_submit(&exam, now).is_ok()
    });
    table(
        "may_withdraw",
        &[(Status::Submitted, REGISTRATION_OPENS, REGISTRATION_CLOSES)],
        |r, now| r.may_withdraw(&exam, now).is_ok(),
    );
}

#[test]
fn refusals_name_the_deadline_that_passed() {
    let exam = exam();
    let returned = registration(Status::Returned);
    assert_eq!(
        returned.may_edit(&exam, RESUBMIT_DEADLINE),
        Err(Refusal::ResubmitDeadlinePassed {
            deadline: RESUBMIT_DEADLINE
        })
    );
    let draft = registration(Status::Draft);
    assert_eq!(
        draft.may_submit(&exam, REGISTRATION_CLOSES),
        Err(Refusal::RegistrationClosed {
            opens: REGISTRATION_OPENS,
            closes: REGISTRATION_CLOSES
        })
    );
    assert_eq!(
        registration(Status::Submitted).may_withdraw(&exam, REGISTRATION_CLOSES),
        Err(Refusal::WithdrawClosed {
            closes: REGISTRATION_CLOSES
        })
    );
    assert_eq!(
        registration(Status::Submitted).may_edit(&exam, REGISTRATION_OPENS),
        Err(Refusal::Status(Status::Submitted))
    );
}

#[test]
fn each_decision_by_each_role_inside_its_window() {
    use DecisionKind as K;
    use StaffRole as R;
    let exam = exam();
    let point_confirms: Windows = &[(Status::Submitted, EVER, CONFIRMATION_CLOSES)];
    let point_returns: Windows = &[(Status::Submitted, EVER, RETURNS_CLOSE)];
    let area_confirms: Windows = &[(Status::Escalated, EVER, REVIEW_CLOSES)];
    let area_qualifies: Windows = &[(Status::Confirmed, REVIEW_OPENS, REVIEW_CLOSES)];
    let area_disqualifies: Windows = &[
        (Status::Escalated, EVER, REVIEW_CLOSES),
        (Status::Confirmed, REVIEW_OPENS, REVIEW_CLOSES),
    ];
    let admin_confirms: Windows = &[
        (Status::Submitted, EVER, CONFIRMATION_CLOSES),
        (Status::Escalated, EVER, REVIEW_CLOSES),
    ];
    let none: Windows = &[];
    let cases: [(R, K, Windows); 12] = [
        (R::PointReviewer, K::Confirm, point_confirms),
        (R::PointReviewer, K::Return, point_returns),
        (R::PointReviewer, K::Qualify, none),
        (R::PointReviewer, K::Disqualify, none),
        (R::AreaReviewer, K::Confirm, area_confirms),
        (R::AreaReviewer, K::Return, none),
        (R::AreaReviewer, K::Qualify, area_qualifies),
        (R::AreaReviewer, K::Disqualify, area_disqualifies),
        (R::Admin, K::Confirm, admin_confirms),
        (R::Admin, K::Return, point_returns),
        (R::Admin, K::Qualify, area_qualifies),
        (R::Admin, K::Disqualify, area_disqualifies),
    ];
    for (role, kind, windows) in cases {
        table(&format!("{role:?} {kind:?}"), windows, |r, now| {
            r.may_decide(kind, role, &exam, now).is_ok()
        });
    }
    // A point's 16:59 return is refused: the candidate would have no time to fix it.
    assert_eq!(
        registration(Status::Submitted).may_decide(
            K::Return,
            R::PointReviewer,
            &exam,
            datetime!(2024-12-11 16:59 +8)
        ),
        Err(Refusal::ReturnsClosed {
            closes: RETURNS_CLOSE
        })
    );
    // A role that never takes a decision hears so whatever the status.
    assert_eq!(
        registration(Status::Draft).may_decide(K::Qualify, R::PointReviewer, &exam, REVIEW_OPENS),
        Err(Refusal::Role {
            role: R::PointReviewer,
            kind: K::Qualify,
            status: Status::Draft
        })
    );
}

#[test]
fn deadlines_abandon_what_the_candidate_left_and_escalate_what_the_point_left() {
    let exam = exam();
    let due = |event: Event, because: Deadline| {
        move |r: &Registration, now: OffsetDateTime| {
            due_changes(&exam.calendar, now)
                .iter()
                .any(|c| c.status == r.status && c.event == event && c.because == because)
        }
    };
    table(
        "abandoned at the resubmit deadline",
        &[
            (Status::Draft, RESUBMIT_DEADLINE, NEVER),
            (Status::Returned, RESUBMIT_DEADLINE, NEVER),
        ],
        due(Event::Abandon, Deadline::Resubmit),
    );
    table(
        "escalated at the confirmation close",
        &[(Status::Submitted, CONFIRMATION_CLOSES, NEVER)],
        due(Event::Escalate, Deadline::Confirmation),
    );
    table(
        "abandoned unpaid",
        &[(Status::Qualified, PAYMENT_CLOSES, NEVER)],
        due(Event::Abandon, Deadline::Payment),
    );
    let exam = self::exam();
    for now in instants() {
        for change in due_changes(&exam.calendar, now) {
            assert_ne!(
                (change.status, change.event),
                (Status::Submitted, Event::Abandon),
                "a submitted registration is never abandoned"
            );
        }
    }
}

/// A registration in `to` after decision `kind` taken on it in `from` at revision 3.
fn decided(from: Status, to: Status, kind: DecisionKind) -> Registration {
    Registration {
        revision: 4,
        last_decision: Some(Decision {
            kind,
            from,
            reasons: vec![DecisionReason {
                code: "not_eligible".into(),
                text: "不符合报考条件".into(),
                slot: None,
                note: String::new(),
            }],
            staff: StaffId(Uuid::nil()),
            revision: 3,
            at: REVIEW_OPENS,
        }),
        ..registration(to)
    }
}

#[test]
fn candidates_see_qualification_results_from_the_publication_time() {
    let exam = exam();
    let visible: Windows = &[
        (Status::Draft, EVER, NEVER),
        (Status::Submitted, EVER, NEVER),
        (Status::Escalated, EVER, NEVER),
        (Status::Returned, EVER, NEVER),
        (Status::Confirmed, EVER, NEVER),
        (Status::Qualified, PUBLISHED, NEVER),
        (Status::NotQualified, PUBLISHED, NEVER),
        (Status::Paid, EVER, NEVER),
        (Status::Abandoned, EVER, NEVER),
    ];
    table("status as the candidate sees it", visible, |r, now| {
        let r = match r.status {
            Status::Qualified => {
                decided(Status::Confirmed, Status::Qualified, DecisionKind::Qualify)
            }
            Status::NotQualified => decided(
                Status::Escalated,
                Status::NotQualified,
                DecisionKind::Disqualify,
            ),
            _ => r.clone(),
        };
        r.as_seen_by_candidate(&exam, now).status == r.status
    });
    let hidden = decided(
        Status::Escalated,
        Status::NotQualified,
        DecisionKind::Disqualify,
    )
    .as_seen_by_candidate(&exam, PUBLISHED - Duration::SECOND);
    assert_eq!(
        hidden.status,
        Status::Escalated,
        "as it was before the decision"
    );
    assert!(hidden.reason_lines().is_empty(), "and without its reasons");
    assert_eq!(
        hidden.revision, 3,
        "the revision decided on, not the one after"
    );
}

#[test]
fn steps_follow_status_and_milestones() {
    let reached = |r: &Registration| -> Vec<bool> { r.steps().iter().map(|s| s.reached).collect() };
    assert_eq!(reached(&registration(Status::Draft)), [false; 7]);
    assert_eq!(
        reached(&registration(Status::Escalated)),
        [false, false, false, true, false, false, false]
    );
    assert_eq!(
        reached(&decided(
            Status::Confirmed,
            Status::NotQualified,
            DecisionKind::Disqualify
        )),
        [false, false, false, true, true, false, false]
    );
    assert_eq!(
        reached(&decided(
            Status::Escalated,
            Status::NotQualified,
            DecisionKind::Disqualify
        )),
        [false, false, false, true, false, false, false],
        "refused by the area without a point's confirmation"
    );
    assert_eq!(
        reached(&registration(Status::Paid)),
        [false, false, false, true, true, true, true]
    );
}

fn file(slot: &str, form_revision: i32) -> UploadedFile {
    UploadedFile {
        id: Uuid::from_u128(u128::from(form_revision.unsigned_abs()) + slot.len() as u128),
        registration_id: Uuid::nil(),
        slot: slot.into(),
        sha256: String::new(),
        size: 100_000,
        width: 1000,
        height: 1400,
        storage_key: String::new(),
        created_at: REGISTRATION_OPENS,
        form_revision: Some(form_revision),
        barcode: None,
    }
}

#[test]
fn what_is_missing_is_one_list() {
    let exam = exam();
    let draft = registration(Status::Draft);
    let fields: Vec<String> = draft
        .missing_for_submit(&exam, &[])
        .iter()
        .map(Missing::field)
        .collect();
    assert_eq!(
        fields,
        [
            "sections.basic",
            "sections.exam",
            "sections.education",
            "sections.work",
            "photo",
            "materials",
            "form"
        ]
    );
    assert_eq!(
        draft.missing_for_print(&[file(PHOTO_SLOT, 2)]).last(),
        Some(&Missing::PhotoNotConfirmed)
    );
    let stale = draft.missing_for_submit(&exam, &[file("form", 1)]);
    assert!(
        stale.contains(&Missing::StaleForm { current: 2 }),
        "{stale:?}"
    );
    assert!(
        !draft
            .missing_for_submit(&exam, &[file("form", 2)])
            .contains(&Missing::Form)
    );
}

#[test]
fn the_to_do_list_names_only_what_can_still_be_done() {
    let exam = exam();
    let returned = decided(Status::Submitted, Status::Returned, DecisionKind::Return);
    let during = datetime!(2024-12-11 09:00 +8);
    assert_eq!(
        returned.todos(&exam, &[], during),
        [Todo::FixReturned {
            reasons: vec!["不符合报考条件".to_owned()],
            deadline: RESUBMIT_DEADLINE
        }],
        "after the registration window, before the resubmit deadline"
    );
    assert!(returned.todos(&exam, &[], RESUBMIT_DEADLINE).is_empty());
    let draft = registration(Status::Draft);
    assert_eq!(
        draft.todos(&exam, &[file("form", 1)], REGISTRATION_OPENS),
        [
            Todo::Continue {
                next: Some(Missing::Section(Section::Basic)),
                closes: REGISTRATION_CLOSES
            },
            Todo::ReprintForm { current: 2 }
        ]
    );
    assert!(draft.todos(&exam, &[], REGISTRATION_CLOSES).is_empty());
    assert!(
        registration(Status::Submitted)
            .todos(&exam, &[], REGISTRATION_OPENS)
            .is_empty()
    );
}
