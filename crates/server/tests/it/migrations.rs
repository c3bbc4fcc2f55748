use examreg_domain::account::Actor;
use examreg_server::services::create_staff::{CreateStaffError, NewStaffInput, create_staff};
use examreg_store::{Store, audit};
use examreg_test_support::{TestApp, TestDb};
use sea_orm::ConnectionTrait;

/// The schema every backend must have after all migrations.
const EXPECTED_COLUMNS: &[(&str, &str)] = &[
    ("audit_log", "action"),
    ("audit_log", "actor_id"),
    ("audit_log", "actor_kind"),
    ("audit_log", "details"),
    ("audit_log", "id"),
    ("audit_log", "ip"),
    ("audit_log", "occurred_at"),
    ("audit_log", "outcome"),
    ("audit_log", "subject_id"),
    ("audit_log", "subject_kind"),
    ("candidate_account", "created_at"),
    ("candidate_account", "email"),
    ("candidate_account", "id"),
    ("candidate_account", "id_number"),
    ("candidate_account", "id_type"),
    ("candidate_account", "name"),
    ("candidate_account", "password_changed_at"),
    ("candidate_account", "password_hash"),
    ("candidate_account", "phone"),
    ("candidate_account", "username"),
    ("captcha", "answer_hash"),
    ("captcha", "created_at"),
    ("captcha", "expires_at"),
    ("captcha", "id"),
    ("captcha", "used_at"),
    ("decision", "decided_at"),
    ("decision", "from_status"),
    ("decision", "id"),
    ("decision", "kind"),
    ("decision", "reasons"),
    ("decision", "registration_id"),
    ("decision", "revision"),
    ("decision", "snapshot"),
    ("decision", "staff_id"),
    ("form_print", "digest"),
    ("form_print", "first_printed_at"),
    ("form_print", "registration_id"),
    ("form_print", "revision"),
    ("notification", "attempts"),
    ("notification", "body"),
    ("notification", "channel"),
    ("notification", "created_at"),
    ("notification", "id"),
    ("notification", "last_error"),
    ("notification", "next_attempt_at"),
    ("notification", "recipient"),
    ("notification", "sent_at"),
    ("notification", "subject"),
    ("one_time_code", "attempts"),
    ("one_time_code", "channel"),
    ("one_time_code", "code_hash"),
    ("one_time_code", "created_at"),
    ("one_time_code", "expires_at"),
    ("one_time_code", "id"),
    ("one_time_code", "subject"),
    ("one_time_code", "used_at"),
    ("payment_bill", "bill_date"),
    ("payment_bill", "id"),
    ("payment_bill", "imported_at"),
    ("payment_bill", "lines"),
    ("payment_bill", "provider"),
    ("payment_bill", "sha256"),
    ("payment_order", "amount_fen"),
    ("payment_order", "closed_at"),
    ("payment_order", "created_at"),
    ("payment_order", "expires_at"),
    ("payment_order", "fees"),
    ("payment_order", "flag"),
    ("payment_order", "flag_details"),
    ("payment_order", "id"),
    ("payment_order", "merchant_no"),
    ("payment_order", "paid_amount_fen"),
    ("payment_order", "paid_at"),
    ("payment_order", "provider"),
    ("payment_order", "registration_id"),
    ("payment_order", "revision"),
    ("payment_order", "status"),
    ("payment_order", "transaction_id"),
    ("payment_refund", "amount_fen"),
    ("payment_refund", "id"),
    ("payment_refund", "order_id"),
    ("payment_refund", "provider_refund_id"),
    ("payment_refund", "reason"),
    ("payment_refund", "refund_no"),
    ("payment_refund", "requested_at"),
    ("payment_refund", "requested_by"),
    ("payment_refund", "revision"),
    ("payment_refund", "settled_at"),
    ("payment_refund", "status"),
    ("registration", "basic"),
    ("registration", "candidate_id"),
    ("registration", "created_at"),
    ("registration", "education"),
    ("registration", "exam"),
    ("registration", "exam_id"),
    ("registration", "form_digest"),
    ("registration", "form_revision"),
    ("registration", "id"),
    ("registration", "level"),
    ("registration", "materials_completed_at"),
    ("registration", "photo_confirmed_at"),
    ("registration", "point_code"),
    ("registration", "registration_no"),
    ("registration", "return_reasons"),
    ("registration", "revision"),
    ("registration", "specialty_code"),
    ("registration", "status"),
    ("registration", "updated_at"),
    ("registration", "work"),
    ("sandbox_refund", "amount_fen"),
    ("sandbox_refund", "created_at"),
    ("sandbox_refund", "merchant_no"),
    ("sandbox_refund", "refund_id"),
    ("sandbox_refund", "refund_no"),
    ("sandbox_refund", "state"),
    ("sandbox_trade", "amount_fen"),
    ("sandbox_trade", "created_at"),
    ("sandbox_trade", "description"),
    ("sandbox_trade", "merchant_no"),
    ("sandbox_trade", "state"),
    ("sandbox_trade", "success_time"),
    ("sandbox_trade", "transaction_id"),
    ("sandbox_trade", "updated_at"),
    ("server_secret", "created_at"),
    ("server_secret", "name"),
    ("server_secret", "value"),
    ("session", "account_id"),
    ("session", "account_kind"),
    ("session", "created_at"),
    ("session", "csrf_token"),
    ("session", "expires_at"),
    ("session", "id_hash"),
    ("session", "ip"),
    ("session", "last_seen_at"),
    ("session", "user_agent"),
    ("staff_account", "created_at"),
    ("staff_account", "disabled_at"),
    ("staff_account", "id"),
    ("staff_account", "password_hash"),
    ("staff_account", "role"),
    ("staff_account", "username"),
    ("staff_point_scope", "point_code"),
    ("staff_point_scope", "staff_id"),
    ("throttle_event", "id"),
    ("throttle_event", "key"),
    ("throttle_event", "occurred_at"),
    ("upload", "barcode"),
    ("upload", "created_at"),
    ("upload", "form_revision"),
    ("upload", "height"),
    ("upload", "id"),
    ("upload", "registration_id"),
    ("upload", "sha256"),
    ("upload", "size"),
    ("upload", "slot"),
    ("upload", "storage_key"),
    ("upload", "width"),
];

#[tokio::test]
async fn migrations_apply_from_empty_and_are_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::create(dir.path()).await;
    let store = Store::connect(&db.url).await.unwrap();
    let pending = store.pending_migrations().await.unwrap();
    assert!(!pending.is_empty());
    assert_eq!(
        store.applied_migrations().await.unwrap(),
        Vec::<String>::new()
    );

    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
    assert_eq!(store.applied_migrations().await.unwrap(), pending);
    assert_eq!(
        store.pending_migrations().await.unwrap(),
        Vec::<String>::new()
    );

    let columns = store.schema_columns().await.unwrap();
    let columns: Vec<_> = columns
        .iter()
        .map(|(t, c)| (t.as_str(), c.as_str()))
        .collect();
    assert_eq!(
        columns,
        EXPECTED_COLUMNS,
        "same schema on {}",
        store.backend().name()
    );
}

#[tokio::test]
async fn two_stores_migrating_at_once_both_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::create(dir.path()).await;
    let (a, b) = tokio::join!(Store::connect(&db.url), Store::connect(&db.url));
    let (a, b) = (a.unwrap(), b.unwrap());
    let (ra, rb) = tokio::join!(a.migrate(), b.migrate());
    ra.unwrap();
    rb.unwrap();
    assert_eq!(a.pending_migrations().await.unwrap(), Vec::<String>::new());
}

fn staff_input(username: &str, role: &str, points: &[&str]) -> NewStaffInput {
    NewStaffInput {
        username: username.to_owned(),
        role: role.to_owned(),
        points: points.iter().map(|p| (*p).to_owned()).collect(),
        password: "correct horse battery".to_owned(),
    }
}

#[tokio::test]
async fn staff_accounts_are_created_once_with_an_audit_row() {
    let app = TestApp::new().await;
    let id = create_staff(
        &app.state,
        &Actor::Operator,
        staff_input("pudong.li", "point-reviewer", &["310115"]),
    )
    .await
    .unwrap();

    let stored = examreg_store::staff::find_by_username(
        app.state.store.conn(),
        &examreg_domain::account::Username::parse("pudong.li").unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(stored.id, id);
    assert_eq!(stored.points, ["310115"]);
    assert!(stored.password_hash.starts_with("$argon2id$"));
    assert!(
        app.state
            .passwords
            .verify("correct horse battery", &stored.password_hash)
            .await
            .unwrap()
    );

    let again = create_staff(
        &app.state,
        &Actor::Operator,
        staff_input("Pudong.Li", "admin", &[]),
    )
    .await;
    assert!(matches!(again, Err(CreateStaffError::Taken(name)) if name == "pudong.li"));

    let log = audit::recent(app.state.store.conn(), 10).await.unwrap();
    assert_eq!(log.len(), 1, "the refused attempt wrote nothing");
    assert_eq!(log[0].action, "staff.created");
    assert_eq!(log[0].actor_kind, "operator");
    assert_eq!(log[0].subject_id.as_deref(), Some(id.to_string().as_str()));
    assert_eq!(log[0].details["points"], serde_json::json!(["310115"]));
}

#[tokio::test]
async fn staff_input_is_checked_before_anything_is_stored() {
    let app = TestApp::new().await;
    let cases = [
        (staff_input("ab", "admin", &[]), "username"),
        (staff_input("reviewer", "root", &[]), "unknown role"),
        (
            staff_input("reviewer", "point-reviewer", &[]),
            "needs at least one --point",
        ),
        (
            staff_input("reviewer", "admin", &["310115"]),
            "whole exam area",
        ),
        (
            staff_input("reviewer", "point-reviewer", &["999999"]),
            "unknown registration point",
        ),
        (
            NewStaffInput {
                password: "short".to_owned(),
                ..staff_input("reviewer", "admin", &[])
            },
            "password",
        ),
    ];
    for (input, expected) in cases {
        let err = create_staff(&app.state, &Actor::Operator, input)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(expected),
            "{err:?} should mention {expected:?}"
        );
    }
    assert!(
        audit::recent(app.state.store.conn(), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_audit_log_refuses_updates_and_deletes() {
    let app = TestApp::new().await;
    create_staff(
        &app.state,
        &Actor::Operator,
        staff_input("area.wang", "area-reviewer", &[]),
    )
    .await
    .unwrap();
    let db = app.state.store.conn();
    for sql in [
        "UPDATE audit_log SET outcome = 'failure'",
        "DELETE FROM audit_log",
    ] {
        let err = db.execute_unprepared(sql).await.expect_err(sql).to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(audit::recent(db, 10).await.unwrap()[0].outcome, "success");
}

/// The last migration of the release before decisions had rows of their own.
const PREVIOUS_RELEASE: &str = "m20261125_000007_printed_forms";

/// A registration row as the previous release wrote it: 执业类别 as free text.
async fn old_registration(store: &Store, no: &str, practice_category: &str) -> uuid::Uuid {
    use sea_orm::sea_query::{Alias, Expr, Query};
    let id = uuid::Uuid::new_v4();
    let now = time::macros::datetime!(2024-12-05 10:00 +8);
    let exam = serde_json::json!({
        "level": "intermediate", "specialty_code": "303", "point": "310115",
        "subjects": ["basic_knowledge", "related_knowledge", "professional_knowledge", "professional_practice"],
        "previous_ticket_no": "", "previous_specialty_code": "", "current_qualification": "医师",
        "current_qualification_date": "2016-08-01", "practice_category": practice_category
    });
    let columns = [
        "id",
        "registration_no",
        "exam_id",
        "candidate_id",
        "status",
        "revision",
        "form_revision",
        "form_digest",
        "exam",
        "created_at",
        "updated_at",
        "return_reasons",
    ];
    let mut insert = Query::insert();
    insert
        .into_table(Alias::new("registration"))
        .columns(columns.map(Alias::new))
        .values([
            Expr::value(id),
            Expr::value(no),
            Expr::value("2025-shanghai"),
            Expr::value(uuid::Uuid::new_v4()),
            Expr::value("confirmed"),
            Expr::value(8),
            Expr::value(2),
            Expr::value(""),
            Expr::value(sea_orm::Value::Json(Some(Box::new(exam)))),
            Expr::value(now),
            Expr::value(now),
            Expr::value(sea_orm::Value::Json(Some(Box::new(serde_json::json!([]))))),
        ])
        .unwrap();
    store.conn().execute(&insert).await.unwrap();
    id
}

/// A decision's audit row as the previous release wrote it: the decision lived only there.
async fn old_decision(
    store: &Store,
    registration: uuid::Uuid,
    action: &'static str,
    details: serde_json::Value,
    minute: u8,
) {
    let staff = examreg_domain::account::StaffId(uuid::Uuid::from_u128(7));
    audit::record(
        store.conn(),
        audit::AuditEntry {
            at: time::macros::datetime!(2024-12-05 10:00 +8)
                + time::Duration::minutes(minute.into()),
            actor: &Actor::Staff(staff),
            action: audit::AuditAction(action),
            subject: Some(("registration", registration.to_string())),
            outcome: audit::Outcome::Success,
            ip: None,
            details,
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn decisions_kept_in_audit_rows_by_the_previous_release_become_decision_rows() {
    use examreg_domain::registration::{DecisionKind, RegistrationNo, Status};
    use examreg_domain::vocab::PracticeCategory;
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::create(dir.path()).await;
    let store = Store::connect(&db.url).await.unwrap();
    store.migrate_through(PREVIOUS_RELEASE).await.unwrap();
    assert_eq!(
        store
            .pending_migrations()
            .await
            .unwrap()
            .first()
            .map(String::as_str),
        Some("m20261207_000008_decisions"),
        "the database is as the previous release left it"
    );

    let no = RegistrationNo::new(2025, "310000", [1, 2, 3, 4, 5, 6, 7]);
    let returned_then_confirmed = old_registration(&store, no.as_str(), "临床").await;
    let other_no = RegistrationNo::new(2025, "310000", [7, 6, 5, 4, 3, 2, 1]);
    let free_text = old_registration(&store, other_no.as_str(), "内科").await;
    let snapshot = |employer: &str| serde_json::json!({"sections": {"work": {"employer": employer}}, "files": [{"id": "f1", "slot": "3-1"}]});
    old_decision(
        &store,
        returned_then_confirmed,
        "review.returned",
        serde_json::json!({"from": "submitted", "to": "returned", "revision": 5,
            "reasons": [{"code": "material_unclear", "text": "材料不清晰", "slot": "3-1", "note": "看不清"}],
            "snapshot": snapshot("上海市第一人民医院")}),
        0,
    )
    .await;
    old_decision(
        &store,
        returned_then_confirmed,
        "review.confirmed",
        serde_json::json!({"from": "submitted", "to": "confirmed", "revision": 7, "reasons": [],
            "snapshot": snapshot("上海市第六人民医院")}),
        30,
    )
    .await;
    // Not a decision: stays an audit row only.
    old_decision(
        &store,
        returned_then_confirmed,
        "registration.submitted",
        serde_json::json!({"from": "returned", "to": "submitted"}),
        20,
    )
    .await;

    store.migrate().await.unwrap();

    let count = store
        .conn()
        .query_one_raw(sea_orm::Statement::from_string(
            store.conn().get_database_backend(),
            "SELECT COUNT(*) AS n FROM decision",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap();
    assert_eq!(count, 2, "one row per decision, none for other audit rows");

    let registration = examreg_store::registrations::find_by_no(store.conn(), &no)
        .await
        .unwrap()
        .unwrap();
    let last = registration.last_decision.clone().unwrap();
    assert_eq!(
        (last.kind, last.from, last.revision),
        (DecisionKind::Confirm, Status::Submitted, 7)
    );
    assert_eq!(last.staff.0, uuid::Uuid::from_u128(7));
    assert_eq!(
        examreg_store::decisions::latest_snapshot(store.conn(), returned_then_confirmed)
            .await
            .unwrap(),
        Some(snapshot("上海市第六人民医院")),
        "the snapshot of the latest decision, for 'changes since'"
    );
    assert_eq!(
        registration.sections.exam.unwrap().practice_category,
        Some(PracticeCategory::Clinical),
        "free text naming a category becomes its key"
    );
    let other = examreg_store::registrations::find_by_no(store.conn(), &other_no)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(other.id, free_text);
    assert_eq!(
        other.sections.exam.unwrap().practice_category,
        None,
        "anything else is asked again"
    );
    assert!(other.last_decision.is_none());
}

#[tokio::test]
async fn reset_codes_and_sign_in_failures_of_the_previous_release_carry_over() {
    use examreg_store::one_time_codes::{self, Subject};
    use examreg_store::throttle;
    use sea_orm::sea_query::{Alias, Expr, Query};
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::create(dir.path()).await;
    let store = Store::connect(&db.url).await.unwrap();
    store
        .migrate_through("m20261207_000008_decisions")
        .await
        .unwrap();
    let now = time::macros::datetime!(2024-12-05 10:00 +8);
    let account = uuid::Uuid::from_u128(42);
    let mut insert = Query::insert();
    insert
        .into_table(Alias::new("password_reset"))
        .columns(
            [
                "id",
                "account_kind",
                "account_id",
                "code_hash",
                "channel",
                "created_at",
                "expires_at",
                "attempts",
            ]
            .map(Alias::new),
        )
        .values([
            Expr::value(uuid::Uuid::from_u128(1)),
            Expr::value("candidate"),
            Expr::value(account),
            Expr::value("a".repeat(64)),
            Expr::value("sms"),
            Expr::value(now),
            Expr::value(now + time::Duration::minutes(10)),
            Expr::value(2),
        ])
        .unwrap();
    store.conn().execute(&insert).await.unwrap();
    let mut insert = Query::insert();
    insert
        .into_table(Alias::new("auth_failure"))
        .columns(["key", "occurred_at"].map(Alias::new))
        .values([Expr::value("user:candidate:li.hua"), Expr::value(now)])
        .unwrap();
    store.conn().execute(&insert).await.unwrap();

    store.migrate().await.unwrap();
    let code = one_time_codes::active(
        store.conn(),
        Subject::Account(examreg_domain::account::AccountKind::Candidate, account),
        now + time::Duration::minutes(1),
    )
    .await
    .unwrap()
    .expect("the live reset code is still live");
    assert_eq!((code.code_hash, code.attempts), ("a".repeat(64), 2));
    assert_eq!(
        throttle::count_since(
            store.conn(),
            "user:candidate:li.hua",
            now - time::Duration::hours(1)
        )
        .await
        .unwrap(),
        1
    );
}
