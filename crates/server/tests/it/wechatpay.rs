//! WeChat Pay API v3 against the protocol simulator: Native and H5 orders, verified and
//! decrypted notifications, forged / stale / tampered / replayed ones, a lost one settled
//! by query, close, and the provider down at checkout.

use examreg_server::jobs::settle_payments;
use examreg_test_support::SignedInClient;
use examreg_test_support::wechatpay::{Failure, NOTIFY_URL, Signer, SimNotification, WechatPayApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::html::select;
use crate::payments::{PAYING, history_actions, payment, post_form, qualified_at};

const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50";

async fn setup() -> WechatPayApp {
    WechatPayApp::start().await
}

async fn checkout(
    client: &SignedInClient,
    no: &str,
    user_agent: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = client
        .send(Method::POST, &format!("/api/v1/registrations/{no}/payment"))
        .json(&json!({}));
    if let Some(ua) = user_agent {
        request = request.header("user-agent", ua);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn deliver(s: &WechatPayApp, n: &SimNotification) -> StatusCode {
    let status = s.sim.send(NOTIFY_URL, n).await;
    StatusCode::from_u16(status.as_u16()).unwrap()
}

#[tokio::test]
async fn a_desktop_pays_a_native_order_by_qr_code_and_the_notification_settles_it_once() {
    let s = setup().await;
    let (client, no, _) = qualified_at(&s.app, PAYING).await;
    let (status, body) = checkout(&client, &no, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["kind"], "qr_code");
    assert!(
        body["url"]
            .as_str()
            .unwrap()
            .starts_with("weixin://wxpay/bizpayurl?pr="),
        "{body}"
    );
    let order = body["order"]["order_no"].as_str().unwrap().to_owned();
    let trade = s.sim.trade(&order).unwrap();
    assert_eq!(
        (trade.kind, trade.total, trade.state.as_str()),
        ("native", 20_000, "NOTPAY")
    );
    assert!(trade.description.contains(&no), "{}", trade.description);
    assert_eq!(trade.notify_url, NOTIFY_URL);

    // The page draws the code itself.
    let response = post_form(&client, &format!("/registrations/{no}/payment"), &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert_eq!(select(&page, "#qr-pay h2"), ["微信扫码支付"], "{page}");
    assert!(page.contains("<svg"), "the QR code is inline SVG");
    assert_eq!(s.sim.trades().len(), 1, "asking again reuses the order");

    // The payer scans and pays; WeChat Pay notifies; the registration is paid.
    let notification = s.sim.pay(&order).await;
    let body = payment(&client, &no).await;
    assert_eq!(body["status"], "paid", "{body}");
    assert_eq!(
        body["orders"][0]["transaction_id"],
        s.sim.trade(&order).unwrap().transaction_id.unwrap()
    );
    // WeChat Pay retries a notification until it hears success: the same again is one
    // change.
    assert_eq!(deliver(&s, &notification).await, StatusCode::NO_CONTENT);
    assert_eq!(deliver(&s, &notification).await, StatusCode::NO_CONTENT);
    let actions = history_actions(&client, &no).await;
    assert_eq!(
        actions.iter().filter(|a| *a == "registration.paid").count(),
        1,
        "{actions:?}"
    );
}

#[tokio::test]
async fn a_phone_is_sent_to_wechat_pay_h5_and_comes_back_to_the_payment_page() {
    let s = setup().await;
    let (client, no, _) = qualified_at(&s.app, PAYING).await;
    let (status, body) = checkout(&client, &no, Some(IPHONE)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["kind"], "redirect");
    let order = body["order"]["order_no"].as_str().unwrap().to_owned();
    let url = body["url"].as_str().unwrap();
    assert!(
        url.starts_with("https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx"),
        "{url}"
    );
    assert!(
        url.ends_with(&format!(
            "&redirect_url=https%3A%2F%2Fexamreg.example.cn%2Fpay%2Freturn%2F{order}"
        )),
        "{url}"
    );
    assert_eq!(s.sim.trade(&order).unwrap().kind, "h5");
    // 去支付 on the page: a link into WeChat (a form may not redirect to another origin).
    let response = client
        .send(Method::POST, &format!("/registrations/{no}/payment"))
        .header("user-agent", IPHONE)
        .form(&[("csrf_token", client.csrf_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    let link = crate::html::attr(&page, "#h5-pay", "href").unwrap();
    assert!(link.starts_with("https://wx.tenpay.com/"), "{link}");
    // The return address leads to the 缴费 page.
    let response = client.get(&format!("/pay/return/{order}")).await;
    assert_eq!(
        response.headers()["location"],
        format!("/registrations/{no}/payment").as_str()
    );
}

#[tokio::test]
async fn forged_stale_and_tampered_wechat_pay_notifications_are_refused() {
    let s = setup().await;
    let (client, no, _) = qualified_at(&s.app, PAYING).await;
    let (_, body) = checkout(&client, &no, None).await;
    let order = body["order"]["order_no"].as_str().unwrap().to_owned();
    s.sim.drop_notifications(true);
    let genuine = s.sim.pay(&order).await;
    let paid = serde_json::json!({
        "mchid": examreg_test_support::wechatpay::MCHID,
        "appid": examreg_test_support::wechatpay::APPID,
        "out_trade_no": order,
        "transaction_id": "4200000000202502100000000009",
        "trade_state": "SUCCESS",
        "success_time": "2025-02-10T10:00:30+08:00",
        "amount": {"total": 20000, "currency": "CNY"},
    });

    let forged = s.sim.notification(&paid, Signer::Stranger);
    assert_eq!(
        deliver(&s, &forged).await,
        StatusCode::UNAUTHORIZED,
        "forged"
    );

    let mut tampered = genuine.clone();
    let text = String::from_utf8(tampered.body.clone()).unwrap();
    tampered.body = text
        .replacen("\"ciphertext\":\"", "\"ciphertext\":\"A", 1)
        .into_bytes();
    assert_eq!(
        deliver(&s, &tampered).await,
        StatusCode::UNAUTHORIZED,
        "tampered"
    );

    let mut other_serial = genuine.clone();
    for (name, value) in &mut other_serial.headers {
        if name == "Wechatpay-Serial" {
            *value = "PUB_KEY_ID_SOMEONE_ELSE".into();
        }
    }
    assert_eq!(
        deliver(&s, &other_serial).await,
        StatusCode::UNAUTHORIZED,
        "another key's serial"
    );

    let mut probe = genuine.clone();
    for (name, value) in &mut probe.headers {
        if name == "Wechatpay-Signature" {
            *value = format!("WECHATPAY/SIGNTEST/{value}");
        }
    }
    assert_eq!(
        deliver(&s, &probe).await,
        StatusCode::UNAUTHORIZED,
        "WeChat Pay's probe"
    );

    s.app.clock.advance(time::Duration::minutes(6));
    assert_eq!(
        deliver(&s, &genuine).await,
        StatusCode::UNAUTHORIZED,
        "stale"
    );

    let body = payment(&client, &no).await;
    assert_eq!(body["status"], "qualified");
    assert_eq!(body["orders"][0]["status"], "open");
}

#[tokio::test]
async fn a_lost_notification_is_settled_by_querying_wechat_pay() {
    let s = setup().await;
    let (client, no, login) = qualified_at(&s.app, PAYING).await;
    let (_, body) = checkout(&client, &no, None).await;
    let order = body["order"]["order_no"].as_str().unwrap().to_owned();
    s.sim.drop_notifications(true);
    s.sim.pay(&order).await;
    assert_eq!(
        payment(&client, &no).await["status"],
        "qualified",
        "not heard of yet"
    );
    // WeChat Pay is throttling the first query: the job tries again on its next run.
    s.app.clock.advance(time::Duration::minutes(4));
    s.sim.fail_next(&[Failure::Throttled]);
    assert_eq!(settle_payments::run_once(&s.app.state).await.unwrap(), 1);
    assert_eq!(payment(&client, &no).await["status"], "qualified");
    assert_eq!(settle_payments::run_once(&s.app.state).await.unwrap(), 1);
    let client = s.app.sign_in_as(&login).await;
    assert_eq!(payment(&client, &no).await["status"], "paid");
    assert!(
        s.sim
            .calls()
            .iter()
            .any(|c| c == &format!("GET /v3/pay/transactions/out-trade-no/{order}")),
        "{:?}",
        s.sim.calls()
    );
}

#[tokio::test]
async fn an_expired_order_is_closed_at_wechat_pay_before_a_new_one_is_made() {
    let s = setup().await;
    let (client, no, login) = qualified_at(&s.app, PAYING).await;
    let (_, body) = checkout(&client, &no, None).await;
    let first = body["order"]["order_no"].as_str().unwrap().to_owned();
    s.app.clock.advance(time::Duration::minutes(31));
    let client = s.app.sign_in_as(&login).await;
    let (status, body) = checkout(&client, &no, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let second = body["order"]["order_no"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    assert_eq!(s.sim.trade(&first).unwrap().state, "CLOSED");
    assert_eq!(s.sim.trade(&second).unwrap().state, "NOTPAY");
    let calls = s.sim.calls();
    let closed = calls
        .iter()
        .position(|c| c == &format!("POST /v3/pay/transactions/out-trade-no/{first}/close"));
    let placed = calls
        .iter()
        .rposition(|c| c == "POST /v3/pay/transactions/native");
    assert!(
        closed.unwrap() < placed.unwrap(),
        "closed before the new one: {calls:?}"
    );
}

#[tokio::test]
async fn wechat_pay_down_at_checkout_answers_503_and_the_order_is_reused_when_it_is_back() {
    let s = setup().await;
    let (client, no, _) = qualified_at(&s.app, PAYING).await;
    s.sim.fail_next(&[Failure::SystemError]);
    let (status, body) = checkout(&client, &no, None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "payment_provider_unavailable");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("稍后重试")
    );
    let (status, body) = checkout(&client, &no, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let orders = payment(&client, &no).await["orders"].clone();
    assert_eq!(
        orders.as_array().unwrap().len(),
        1,
        "one order, made again at WeChat Pay: {orders}"
    );
    assert_eq!(s.sim.trades().len(), 1);

    // The page says so in words, and keeps the candidate where they were.
    s.sim.fail_next(&[Failure::Throttled]);
    let response = post_form(&client, &format!("/registrations/{no}/payment"), &[]).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let page = response.text().await.unwrap();
    assert!(
        select(&page, ".error-summary li")[0].contains("支付平台暂时无法连接"),
        "{page}"
    );
}

#[tokio::test]
async fn an_expired_order_paid_before_it_could_be_closed_counts_and_no_new_order_is_made() {
    let s = setup().await;
    let (client, no, login) = qualified_at(&s.app, PAYING).await;
    let (_, body) = checkout(&client, &no, None).await;
    let order = body["order"]["order_no"].as_str().unwrap().to_owned();
    // Paid at the last moment; the notification is lost.
    s.sim.drop_notifications(true);
    s.sim.pay(&order).await;
    s.app.clock.advance(time::Duration::minutes(31));
    let client = s.app.sign_in_as(&login).await;
    let (status, body) = checkout(&client, &no, None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "not_payable");
    let body = payment(&client, &no).await;
    assert_eq!(body["status"], "paid");
    assert_eq!(body["orders"].as_array().unwrap().len(), 1, "{body}");
    assert_eq!(s.sim.trades().len(), 1);
}
