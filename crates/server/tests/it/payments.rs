//! 缴费 with the sandbox provider: qualification → order → payment → node 7 green, and
//! every notification that must not change anything.

use examreg_domain::Clock;
use examreg_domain::payment::MerchantOrderNo;
use examreg_server::jobs::{apply_deadlines, settle_payments};
use examreg_server::payments::sandbox::{CashierChoice, Sandbox};
use examreg_server::payments::sandbox::{
    NONCE_HEADER, SIGNATURE_HEADER, SignedNotification, TIMESTAMP_HEADER,
};
use examreg_server::secrets::MacKey;
use examreg_test_support::{CandidateLogin, SignedInClient, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::macros::datetime;

use crate::html::{attr, select};
use crate::journey::send;
use crate::review::{case, decide};

/// Inside the Shanghai payment window (2025-02-07 → 02-17).
pub(crate) const PAYING: time::OffsetDateTime = datetime!(2025-02-10 10:00 +8);

/// A registration confirmed by its point and qualified by the area; the clock is then
/// set to `at` and the candidate signed in again.
pub(crate) async fn qualified_at(
    app: &TestApp,
    at: time::OffsetDateTime,
) -> (SignedInClient, String, CandidateLogin) {
    // Inside the registration window, whatever an earlier call left the clock at.
    app.clock.set(examreg_test_support::DEFAULT_NOW);
    let (candidate, no, login) = crate::journey::ready_to_submit_with_login(app).await;
    let (status, body) = send(
        &candidate,
        Method::POST,
        &format!("/api/v1/registrations/{no}/submit"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let pudong = app.staff("point-reviewer", &["310115"]).await;
    let revision = case(&pudong, &no).await["revision"].clone();
    let (status, body) = decide(
        &pudong,
        &no,
        json!({"decision": "confirm", "revision": revision}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.clock.set(datetime!(2025-01-06 09:00 +8));
    let area = app.staff("area-reviewer", &[]).await;
    let revision = case(&area, &no).await["revision"].clone();
    let (status, body) = send(
        &area,
        Method::POST,
        &format!("/api/v1/staff/registrations/{no}/qualification"),
        json!({"decision": "approve", "revision": revision}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.clock.set(at);
    (app.sign_in_as(&login).await, no, login)
}

async fn qualified(app: &TestApp) -> (SignedInClient, String) {
    let (client, no, _) = qualified_at(app, PAYING).await;
    (client, no)
}

pub(crate) fn order_no(text: &str) -> MerchantOrderNo {
    MerchantOrderNo::parse(text).unwrap()
}

pub(crate) async fn post_form(
    client: &SignedInClient,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = vec![("csrf_token", client.csrf_token.as_str())];
    form.extend_from_slice(fields);
    client
        .send(Method::POST, path)
        .form(&form)
        .send()
        .await
        .unwrap()
}

pub(crate) fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// 去支付 through the API: the order number.
pub(crate) async fn open_order(client: &SignedInClient, no: &str) -> String {
    let (status, body) = send(
        client,
        Method::POST,
        &format!("/api/v1/registrations/{no}/payment"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["order"]["order_no"].as_str().unwrap().to_owned()
}

pub(crate) async fn payment(client: &SignedInClient, no: &str) -> Value {
    let (status, body) = client
        .get_json(&format!("/api/v1/registrations/{no}/payment"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

pub(crate) async fn history_actions(client: &SignedInClient, no: &str) -> Vec<String> {
    let (_, history) = client
        .get_json(&format!("/api/v1/registrations/{no}/history"))
        .await;
    history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap_or_default().to_owned())
        .collect()
}

pub(crate) fn sandbox(app: &TestApp) -> &Sandbox {
    app.state.payments.sandbox().unwrap()
}

/// A sandbox notification of `order` paid for `amount_fen` at `paid_at`, signed at `now`.
fn notification(
    app: &TestApp,
    order: &str,
    transaction: &str,
    amount_fen: u32,
    paid_at: &str,
    now: time::OffsetDateTime,
) -> SignedNotification {
    let body = json!({
        "id": uuid::Uuid::new_v4().to_string(),
        "create_time": paid_at,
        "event_type": "TRANSACTION.SUCCESS",
        "resource": {
            "mchid": "examreg-sandbox",
            "out_trade_no": order,
            "transaction_id": transaction,
            "trade_state": "SUCCESS",
            "success_time": paid_at,
            "amount": {"total": amount_fen, "currency": "CNY"},
        },
    });
    sandbox(app).sign(serde_json::to_vec(&body).unwrap(), now)
}

pub(crate) async fn deliver(app: &TestApp, n: &SignedNotification) -> StatusCode {
    let mut request = examreg_test_support::http()
        .post(app.url("/api/v1/payments/sandbox/notify"))
        .body(n.body.clone());
    for (name, value) in &n.headers {
        request = request.header(name.as_str(), value.to_str().unwrap());
    }
    request.send().await.unwrap().status()
}

#[tokio::test]
async fn a_qualified_candidate_pays_at_the_sandbox_cashier_and_node_7_turns_green() {
    let app = TestApp::new().await;
    let (client, no) = qualified(&app).await;

    // The task list leads to 缴费; the to-do list names the payment close.
    let page = client
        .get(&format!("/registrations/{no}"))
        .await
        .text()
        .await
        .unwrap();
    let href = attr(&page, "#payment-link", "href").unwrap();
    assert_eq!(href, format!("/registrations/{no}/payment"));
    let todos = select(&page, ".todos a");
    assert!(
        todos
            .iter()
            .any(|t| t.contains("2025年2月17日 00:00 前缴费")),
        "{todos:?}"
    );

    let page = client.get(&href).await.text().await.unwrap();
    assert_eq!(
        select(&page, "#fees tbody tr td:first-child"),
        ["基础知识", "相关专业知识", "专业知识", "专业实践能力"]
    );
    assert_eq!(select(&page, "#fees-total"), ["200.00 元"]);
    assert_eq!(select(&page, "#pay"), ["去支付"]);

    // 去支付 → the cashier → 支付成功 → back to 缴费.
    let response = post_form(&client, &href, &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cashier = location(&response);
    assert!(cashier.starts_with("/pay/sandbox/ER"), "{cashier}");
    let page = client.get(&cashier).await.text().await.unwrap();
    assert_eq!(select(&page, "#cashier-amount"), ["200.00 元"]);
    let response = post_form(&client, &cashier, &[("choice", "succeed")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), href);

    let page = client.get(&href).await.text().await.unwrap();
    assert_eq!(select(&page, "#paid h2"), ["缴费成功"]);
    assert!(select(&page, "#pay").is_empty(), "nothing more to pay");
    let (_, mine) = client
        .get_json(&format!("/api/v1/registrations/{no}"))
        .await;
    assert_eq!(mine["status"], "paid");
    assert_eq!(mine["steps"][6], json!({"label": "缴费", "reached": true}));

    let receipt = attr(&page, "#receipt-link", "href").unwrap();
    let page = client.get(&receipt).await.text().await.unwrap();
    assert_eq!(select(&page, "#receipt-amount"), ["200.00 元"]);
    assert_eq!(select(&page, "#receipt-registration"), [no.as_str()]);
    let transaction = select(&page, "#receipt-transaction");
    assert_eq!(transaction[0].len(), 28, "{transaction:?}");
    assert_eq!(
        history_actions(&client, &no)
            .await
            .iter()
            .filter(|a| *a == "registration.paid")
            .count(),
        1
    );
}

#[tokio::test]
async fn asking_again_returns_the_same_open_order() {
    let app = TestApp::new().await;
    let (client, no, login) = qualified_at(&app, PAYING).await;
    let first = open_order(&client, &no).await;
    let second = open_order(&client, &no).await;
    assert_eq!(first, second);
    assert_eq!(
        payment(&client, &no).await["orders"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Expired: closed (at the sandbox too) and replaced by a new number.
    app.clock.advance(time::Duration::minutes(31));
    let client = app.sign_in_as(&login).await;
    let third = open_order(&client, &no).await;
    assert_ne!(third, first);
    let body = payment(&client, &no).await;
    let statuses: Vec<&str> = body["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["open", "closed"]);
    let page = client
        .get(&format!("/pay/sandbox/{first}"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(select(&page, "#cashier-state"), ["订单已关闭"]);
    assert!(select(&page, "#cashier-succeed").is_empty());
}

#[tokio::test]
async fn fifty_identical_notifications_make_one_transition_and_each_is_answered_success() {
    let app = TestApp::new().await;
    let (client, no) = qualified(&app).await;
    let order = open_order(&client, &no).await;
    let n = notification(
        &app,
        &order,
        "4200000000202502101234567890",
        20_000,
        "2025-02-10T10:00:30+08:00",
        PAYING,
    );
    let answers = futures::future::join_all((0..50).map(|_| deliver(&app, &n))).await;
    assert!(
        answers.iter().all(|s| *s == StatusCode::NO_CONTENT),
        "{answers:?}"
    );
    // Replayed later (inside the five minutes): the same answer, nothing new.
    assert_eq!(deliver(&app, &n).await, StatusCode::NO_CONTENT);
    let body = payment(&client, &no).await;
    assert_eq!(body["status"], "paid");
    assert_eq!(body["orders"][0]["status"], "paid");
    assert_eq!(
        body["orders"][0]["transaction_id"],
        "4200000000202502101234567890"
    );
    let actions = history_actions(&client, &no).await;
    assert_eq!(
        actions.iter().filter(|a| *a == "registration.paid").count(),
        1,
        "{actions:?}"
    );
    assert!(
        !actions.iter().any(|a| a == "payment.flagged"),
        "{actions:?}"
    );
}

#[tokio::test]
async fn forged_tampered_stale_and_unsigned_notifications_are_refused_and_change_nothing() {
    let app = TestApp::new().await;
    let (client, no) = qualified(&app).await;
    let order = open_order(&client, &no).await;
    let paid_at = "2025-02-10T10:00:30+08:00";

    let forger = Sandbox::new(
        app.state.store.clone(),
        MacKey::from_hex(&MacKey::generate_hex()).unwrap(),
    );
    let body = notification(
        &app,
        &order,
        "4200000000202502100000000001",
        20_000,
        paid_at,
        PAYING,
    )
    .body;
    let forged = forger.sign(body.clone(), PAYING);
    assert_eq!(
        deliver(&app, &forged).await,
        StatusCode::UNAUTHORIZED,
        "forged"
    );

    let mut tampered = notification(
        &app,
        &order,
        "4200000000202502100000000001",
        20_000,
        paid_at,
        PAYING,
    );
    tampered.body = String::from_utf8(tampered.body)
        .unwrap()
        .replace("20000", "1")
        .into_bytes();
    assert_eq!(
        deliver(&app, &tampered).await,
        StatusCode::UNAUTHORIZED,
        "tampered"
    );

    let stale = notification(
        &app,
        &order,
        "4200000000202502100000000001",
        20_000,
        paid_at,
        PAYING - time::Duration::minutes(6),
    );
    assert_eq!(
        deliver(&app, &stale).await,
        StatusCode::UNAUTHORIZED,
        "stale"
    );

    let mut unsigned = notification(
        &app,
        &order,
        "4200000000202502100000000001",
        20_000,
        paid_at,
        PAYING,
    );
    for header in [SIGNATURE_HEADER, TIMESTAMP_HEADER, NONCE_HEADER] {
        unsigned.headers.remove(header);
        assert_eq!(
            deliver(&app, &unsigned).await,
            StatusCode::UNAUTHORIZED,
            "without {header}"
        );
    }
    let response = examreg_test_support::http()
        .post(app.url("/api/v1/payments/wechatpay/notify"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "not this deployment's provider"
    );

    let body = payment(&client, &no).await;
    assert_eq!(body["status"], "qualified");
    assert_eq!(body["orders"][0]["status"], "open");
    assert_eq!(body["orders"][0]["flag"], Value::Null);
}

#[tokio::test]
async fn a_wrong_amount_is_flagged_and_changes_nothing_else() {
    let app = TestApp::new().await;
    let (client, no) = qualified(&app).await;
    let order = open_order(&client, &no).await;
    let n = notification(
        &app,
        &order,
        "4200000000202502100000000002",
        1,
        "2025-02-10T10:00:30+08:00",
        PAYING,
    );
    assert_eq!(deliver(&app, &n).await, StatusCode::NO_CONTENT);
    let body = payment(&client, &no).await;
    assert_eq!(body["status"], "qualified");
    assert_eq!(body["orders"][0]["status"], "open");
    assert_eq!(
        body["orders"][0]["flag"],
        "金额不符：订单 200.00 元，支付平台 0.01 元"
    );
    assert!(
        history_actions(&client, &no)
            .await
            .contains(&"payment.flagged".to_owned())
    );
}

#[tokio::test]
async fn a_lost_notification_is_settled_by_the_query_job() {
    let app = TestApp::new().await;
    let (client, no, login) = qualified_at(&app, PAYING).await;
    let order = open_order(&client, &no).await;
    // Paid at the cashier; the notification never arrives.
    let lost = sandbox(&app)
        .choose(&order_no(&order), CashierChoice::Succeed, PAYING)
        .await
        .unwrap();
    assert!(lost.is_some());
    assert_eq!(
        settle_payments::run_once(&app.state).await.unwrap(),
        0,
        "not due yet"
    );
    app.clock.advance(time::Duration::minutes(4));
    assert_eq!(settle_payments::run_once(&app.state).await.unwrap(), 1);
    let client = app.sign_in_as(&login).await;
    assert_eq!(payment(&client, &no).await["status"], "paid");
    // The late notification changes nothing more.
    let late = sandbox(&app).sign(lost.unwrap().body, app.clock.now());
    assert_eq!(deliver(&app, &late).await, StatusCode::NO_CONTENT);
    let actions = history_actions(&client, &no).await;
    assert_eq!(
        actions.iter().filter(|a| *a == "registration.paid").count(),
        1
    );
}

#[tokio::test]
async fn i_have_paid_asks_the_provider_without_javascript() {
    let app = TestApp::new().await;
    let (client, no) = qualified(&app).await;
    let order = open_order(&client, &no).await;
    let check = format!("/registrations/{no}/payment/check");
    let response = post_form(&client, &check, &[]).await;
    assert_eq!(
        location(&response),
        format!("/registrations/{no}/payment?checked=unpaid")
    );
    let page = client.get(&location(&response)).await.text().await.unwrap();
    assert!(select(&page, "#payment-notice")[0].contains("尚未收到"));
    sandbox(&app)
        .choose(&order_no(&order), CashierChoice::Succeed, PAYING)
        .await
        .unwrap();
    let response = post_form(&client, &check, &[]).await;
    assert_eq!(
        location(&response),
        format!("/registrations/{no}/payment?checked=paid")
    );
    let page = client.get(&location(&response)).await.text().await.unwrap();
    assert_eq!(select(&page, "#paid h2"), ["缴费成功"]);
}

#[tokio::test]
async fn paid_one_second_before_the_close_is_not_abandoned_however_late_the_notification() {
    let app = TestApp::new().await;
    let closes = datetime!(2025-02-17 00:00 +8);
    let (client, no, login) = qualified_at(&app, closes - time::Duration::minutes(10)).await;
    let order = open_order(&client, &no).await;
    let lost = sandbox(&app)
        .choose(
            &order_no(&order),
            CashierChoice::Succeed,
            closes - time::Duration::seconds(1),
        )
        .await
        .unwrap()
        .unwrap();
    // The close passes; the deadline job asks before it abandons.
    app.clock.set(closes + time::Duration::minutes(1));
    apply_deadlines::run_once(&app.state).await.unwrap();
    let client = app.sign_in_as(&login).await;
    assert_eq!(payment(&client, &no).await["status"], "paid");
    let late = sandbox(&app).sign(lost.body, app.clock.now());
    assert_eq!(deliver(&app, &late).await, StatusCode::NO_CONTENT);
    assert_eq!(
        payment(&client, &no).await["orders"][0]["flag"],
        Value::Null
    );
}

#[tokio::test]
async fn unpaid_at_the_close_is_abandoned_and_a_payment_after_it_is_flagged_for_refund() {
    let app = TestApp::new().await;
    let closes = datetime!(2025-02-17 00:00 +8);
    let (client, no, login) = qualified_at(&app, closes - time::Duration::minutes(10)).await;
    let order = open_order(&client, &no).await;
    app.clock.set(closes + time::Duration::minutes(1));
    apply_deadlines::run_once(&app.state).await.unwrap();
    settle_payments::run_once(&app.state).await.unwrap();
    let client = app.sign_in_as(&login).await;
    let body = payment(&client, &no).await;
    assert_eq!(body["status"], "abandoned");
    assert_eq!(
        body["orders"][0]["status"], "closed",
        "closed at the provider and here"
    );
    // Money that arrives anyway is recorded and flagged, never dropped.
    let n = notification(
        &app,
        &order,
        "4200000000202502170000000003",
        20_000,
        "2025-02-17T00:00:30+08:00",
        app.clock.now(),
    );
    assert_eq!(deliver(&app, &n).await, StatusCode::NO_CONTENT);
    let body = payment(&client, &no).await;
    assert_eq!(body["status"], "abandoned");
    assert_eq!(body["orders"][0]["status"], "paid");
    assert_eq!(body["orders"][0]["flag"], "订单关闭后到账，应退款");
}

#[tokio::test]
async fn paying_is_refused_when_not_qualified_before_publication_and_after_the_close() {
    let app = TestApp::new().await;
    let (draft, draft_no) = crate::journey::ready_to_submit(&app).await;
    let (status, body) = send(
        &draft,
        Method::POST,
        &format!("/api/v1/registrations/{draft_no}/payment"),
        json!({}),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("not_payable"))
    );

    let (_, no, login) = qualified_at(&app, datetime!(2025-01-20 10:00 +8)).await;
    let client = app.sign_in_as(&login).await;
    let (status, body) = send(
        &client,
        Method::POST,
        &format!("/api/v1/registrations/{no}/payment"),
        json!({}),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("payment_closed"))
    );
    assert!(
        body["error"]["message"].as_str().unwrap().contains("公布"),
        "{body}"
    );

    app.clock.set(datetime!(2025-02-17 00:00 +8));
    let client = app.sign_in_as(&login).await;
    let page = client
        .get(&format!("/registrations/{no}/payment"))
        .await
        .text()
        .await
        .unwrap();
    assert!(select(&page, "#pay").is_empty());
    assert!(select(&page, "#payment-closed")[0].contains("缴费已于 2025年2月17日 00:00 截止"));
    let response = post_form(&client, &format!("/registrations/{no}/payment"), &[]).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let page = response.text().await.unwrap();
    assert!(!select(&page, ".error-summary").is_empty());
}

#[tokio::test]
async fn a_signed_report_for_another_merchant_is_flagged_and_changes_nothing_else() {
    let app = TestApp::new().await;
    let (client, no) = qualified(&app).await;
    let order = open_order(&client, &no).await;
    let body = json!({
        "id": "n-1",
        "create_time": "2025-02-10T10:00:30+08:00",
        "event_type": "TRANSACTION.SUCCESS",
        "resource": {
            "mchid": "someone-else",
            "out_trade_no": order,
            "transaction_id": "4200000000202502100000000007",
            "trade_state": "SUCCESS",
            "success_time": "2025-02-10T10:00:30+08:00",
            "amount": {"total": 20_000, "currency": "CNY"},
        },
    });
    let n = sandbox(&app).sign(serde_json::to_vec(&body).unwrap(), PAYING);
    assert_eq!(deliver(&app, &n).await, StatusCode::NO_CONTENT);
    let body = payment(&client, &no).await;
    assert_eq!(body["status"], "qualified");
    assert_eq!(body["orders"][0]["status"], "open");
    assert_eq!(
        body["orders"][0]["flag"],
        "商户号不符：支付通知不属于本商户"
    );
}
