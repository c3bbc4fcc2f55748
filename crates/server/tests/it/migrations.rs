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
    ("auth_failure", "id"),
    ("auth_failure", "key"),
    ("auth_failure", "occurred_at"),
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
    ("password_reset", "account_id"),
    ("password_reset", "account_kind"),
    ("password_reset", "attempts"),
    ("password_reset", "channel"),
    ("password_reset", "code_hash"),
    ("password_reset", "created_at"),
    ("password_reset", "expires_at"),
    ("password_reset", "id"),
    ("password_reset", "used_at"),
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
