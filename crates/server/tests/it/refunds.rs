//! 退款 by an administrator: a payment flagged for refund given back in full, the paying
//! order only in part; the sandbox settles at once, WeChat Pay by notification or query.

use examreg_server::jobs::settle_payments;
use examreg_server::payments::sandbox::CashierChoice;
use examreg_test_support::wechatpay::{Signer, WechatPayApp};
use examreg_test_support::{SignedInClient, TestApp};
use reqwest::StatusCode;
use time::macros::datetime;

use crate::html::select;
use crate::payments::{
    PAYING, deliver, history_actions, location, open_order, order_no, payment, post_form,
    qualified_at, sandbox,
};

const CLOSES: time::OffsetDateTime = datetime!(2025-02-17 00:00 +8);

async fn page(client: &SignedInClient, path: &str) -> String {
    let response = client.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.text().await.unwrap()
}

async fn refund(
    admin: &SignedInClient,
    order: &str,
    amount: &str,
    reason: &str,
) -> reqwest::Response {
    post_form(
        admin,
        &format!("/staff/finance/orders/{order}/refunds"),
        &[("amount", amount), ("reason", reason)],
    )
    .await
}

#[tokio::test]
async fn a_payment_after_the_close_is_listed_for_finance_and_refunded_in_full() {
    let app = TestApp::new().await;
    let (client, no, login) = qualified_at(&app, CLOSES - time::Duration::minutes(10)).await;
    let order = open_order(&client, &no).await;
    // The money arrives one second after the close.
    let late = sandbox(&app)
        .choose(
            &order_no(&order),
            CashierChoice::Succeed,
            CLOSES + time::Duration::seconds(1),
        )
        .await
        .unwrap()
        .unwrap();
    app.clock.set(CLOSES + time::Duration::minutes(1));
    assert_eq!(deliver(&app, &late).await, StatusCode::NO_CONTENT);

    let admin = app.staff("admin", &[]).await;
    let home = page(&admin, "/staff").await;
    assert_eq!(select(&home, "#finance-link"), ["缴费与退款"]);
    let finance = page(&admin, "/staff/finance").await;
    assert_eq!(select(&finance, "#flagged td.order-no a"), [order.as_str()]);
    assert_eq!(
        select(&finance, "#flagged td.order-flag"),
        ["缴费截止后到账，应退款"]
    );
    let path = format!("/staff/finance/orders/{order}");
    let case = page(&admin, &path).await;
    assert_eq!(select(&case, "#order-refundable"), ["200.00 元"]);

    let response = refund(&admin, &order, "200", "缴费截止后到账，原路退回").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), path);
    let case = page(&admin, &path).await;
    assert_eq!(select(&case, "#refunds .refund-status"), ["退款成功"]);
    assert_eq!(select(&case, "#order-status"), ["已退款"]);
    assert_eq!(select(&case, "#order-refundable"), ["0.00 元"]);
    assert!(
        select(&case, "#refund-form").is_empty(),
        "nothing left to refund"
    );

    // The candidate sees it on 缴费 and in the history.
    let client = app.sign_in_as(&login).await;
    let mine = page(&client, &format!("/registrations/{no}/payment")).await;
    assert!(
        select(&mine, "#orders td")
            .iter()
            .any(|t| t.contains("退款成功 200.00 元")),
        "{:?}",
        select(&mine, "#orders td")
    );
    let actions = history_actions(&client, &no).await;
    assert!(
        actions.contains(&"payment.refund_requested".to_owned()),
        "{actions:?}"
    );
    assert_eq!(
        actions.iter().filter(|a| *a == "payment.refunded").count(),
        1
    );

    // Reviewers do not handle money.
    let area = app.staff("area-reviewer", &[]).await;
    assert_eq!(
        area.get("/staff/finance").await.status(),
        StatusCode::FORBIDDEN
    );
    let response = refund(&area, &order, "1", "x").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_paying_order_is_refunded_only_in_part_and_bad_amounts_are_named() {
    let app = TestApp::new().await;
    let (client, no, _) = qualified_at(&app, PAYING).await;
    let order = open_order(&client, &no).await;
    let n = sandbox(&app)
        .choose(&order_no(&order), CashierChoice::Succeed, PAYING)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(deliver(&app, &n).await, StatusCode::NO_CONTENT);
    assert_eq!(payment(&client, &no).await["status"], "paid");

    let admin = app.staff("admin", &[]).await;
    for (amount, reason, says) in [
        ("200", "考生申请", "不能全额退款"),
        ("250", "考生申请", "不超过可退金额 200.00 元"),
        ("abc", "考生申请", "退款金额请填写元"),
        ("0", "考生申请", "须大于 0"),
        ("50", "", "请填写退款原因"),
    ] {
        let response = refund(&admin, &order, amount, reason).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{amount}"
        );
        let body = response.text().await.unwrap();
        let errors = select(&body, ".error-summary li");
        assert!(
            errors.iter().any(|e| e.contains(says)),
            "{amount}: {errors:?}"
        );
        // What was typed stays.
        assert_eq!(
            crate::html::attr(&body, "#amount", "value").as_deref(),
            Some(amount)
        );
    }
    let response = refund(&admin, &order, "50.00", "少报一科，退一科费用").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let case = page(&admin, &format!("/staff/finance/orders/{order}")).await;
    assert_eq!(select(&case, "#order-status"), ["已支付"]);
    assert_eq!(select(&case, "#order-refundable"), ["150.00 元"]);
    assert_eq!(payment(&client, &no).await["status"], "paid", "still paid");
}

async fn wechatpay() -> WechatPayApp {
    WechatPayApp::start().await
}

#[tokio::test]
async fn a_wechat_pay_refund_settles_by_its_notification_once_and_a_lost_one_by_query() {
    let s = wechatpay().await;
    let (client, no, _) = qualified_at(&s.app, PAYING).await;
    let order = open_order(&client, &no).await;
    s.sim.pay(&order).await;
    assert_eq!(payment(&client, &no).await["status"], "paid");
    let admin = s.app.staff("admin", &[]).await;
    let path = format!("/staff/finance/orders/{order}");

    let response = refund(&admin, &order, "50", "少报一科").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let case = page(&admin, &path).await;
    assert_eq!(select(&case, "#refunds .refund-status"), ["退款处理中"]);
    let first = select(&case, "#refunds td.order-no")[0].clone();
    assert_eq!(s.sim.refund(&first).unwrap().status, "PROCESSING");

    // WeChat Pay finishes it and notifies; a forged and a replayed notification change nothing.
    let done = s.sim.complete_refund(&first).await;
    let case = page(&admin, &path).await;
    assert_eq!(select(&case, "#refunds .refund-status"), ["退款成功"]);
    let forged = s.sim.event(
        "REFUND.SUCCESS",
        "refund",
        &serde_json::json!({"mchid": examreg_test_support::wechatpay::MCHID, "out_refund_no": first, "refund_id": "1", "refund_status": "CLOSED", "amount": {"refund": 5000}}),
        Signer::Stranger,
    );
    assert_eq!(
        s.sim
            .send("https://x/api/v1/payments/wechatpay/notify", &forged)
            .await
            .as_u16(),
        401
    );
    assert_eq!(
        s.sim
            .send("https://x/api/v1/payments/wechatpay/notify", &done)
            .await
            .as_u16(),
        204
    );
    let actions = history_actions(&client, &no).await;
    assert_eq!(
        actions.iter().filter(|a| *a == "payment.refunded").count(),
        1,
        "{actions:?}"
    );

    // A second refund whose notification is lost is settled by the query job.
    s.sim.drop_notifications(true);
    let response = refund(&admin, &order, "50", "再退一科").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let case = page(&admin, &path).await;
    let second = select(&case, "#refunds td.order-no")[1].clone();
    s.sim.complete_refund(&second).await;
    s.app.clock.advance(time::Duration::minutes(4));
    let admin = s.app.staff("admin", &[]).await;
    settle_payments::run_once(&s.app.state).await.unwrap();
    let case = page(&admin, &path).await;
    assert_eq!(
        select(&case, "#refunds .refund-status"),
        ["退款成功", "退款成功"]
    );
    assert_eq!(select(&case, "#order-refundable"), ["100.00 元"]);
}
