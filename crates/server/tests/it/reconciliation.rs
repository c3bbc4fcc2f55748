//! 对账: a day's bill against our orders, with every kind of difference seeded into the
//! WeChat Pay simulator's bill; the daily job with the sandbox; CSV and xlsx exports.

use examreg_server::jobs::import_bills;
use examreg_server::payments::sandbox::CashierChoice;
use examreg_test_support::wechatpay::{ExtraBillLine, WechatPayApp};
use examreg_test_support::{SignedInClient, TestApp};
use reqwest::StatusCode;
use time::macros::datetime;

use crate::html::select;
use crate::payments::{PAYING, deliver, open_order, order_no, post_form, qualified_at, sandbox};

async fn wechatpay() -> WechatPayApp {
    WechatPayApp::start().await
}

async fn reconciliation_page(admin: &SignedInClient, day: &str) -> String {
    let response = admin
        .get(&format!("/staff/finance/reconciliation?date={day}"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

#[tokio::test]
async fn every_difference_seeded_into_the_bill_is_found_and_exported() {
    let s = wechatpay().await;
    // Five candidates qualified, each with an order.
    let mut qualified = Vec::new();
    for _ in 0..5 {
        let (_, no, login) = qualified_at(&s.app, PAYING).await;
        qualified.push((no, login));
    }
    let mut orders = Vec::new();
    for (no, login) in qualified {
        orders.push((s.app.sign_in_as(&login).await, no, login));
    }
    let mut nos = Vec::new();
    for (client, no, _) in &orders[..4] {
        nos.push(open_order(client, no).await);
    }
    let [matches, differs, missing, unpaid_here] = [&nos[0], &nos[1], &nos[2], &nos[3]];
    for order in [matches, differs, missing] {
        s.sim.pay(order).await;
    }
    // Paid at WeChat Pay, but its notification is lost and nobody asked yet.
    s.sim.drop_notifications(true);
    s.sim.pay(unpaid_here).await;
    s.sim.drop_notifications(false);
    // The fifth registration's first order expires and is replaced; the second is paid,
    // and the bill also shows the first as paid.
    let (client, no, login) = &orders[4];
    let first = open_order(client, no).await;
    s.app.clock.advance(time::Duration::minutes(31));
    let client = s.app.sign_in_as(login).await;
    let second = open_order(&client, no).await;
    assert_ne!(first, second);
    s.sim.pay(&second).await;
    s.sim.add_bill_line(ExtraBillLine {
        out_trade_no: first.clone(),
        transaction_id: "4200000000202502109999999999".into(),
        total: 20_000,
        time: "2025-02-10 10:40:00".into(),
    });
    s.sim.bill_amount(differs, 15_000);
    s.sim.hide_from_bill(missing);
    let unknown = "ER250210ZZZZZZZZZZZZZZZZZZZZZZZZ";
    s.sim.add_bill_line(ExtraBillLine {
        out_trade_no: unknown.into(),
        transaction_id: "4200000000202502108888888888".into(),
        total: 5_000,
        time: "2025-02-10 11:00:00".into(),
    });

    let admin = s.app.staff("admin", &[]).await;
    let page = reconciliation_page(&admin, "2025-02-10").await;
    assert_eq!(select(&page, "#not-imported").len(), 1);
    let response = post_form(
        &admin,
        "/staff/finance/reconciliation",
        &[("date", "2025-02-10")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = reconciliation_page(&admin, "2025-02-10").await;
    let mut found: Vec<(String, String)> = select(&page, "#mismatches tr")
        .into_iter()
        .skip(1)
        .map(|row| {
            let cells: Vec<&str> = row.split_whitespace().collect();
            let mut orders: Vec<&str> = cells
                .iter()
                .copied()
                .filter(|c| c.starts_with("ER"))
                .collect();
            orders.sort_unstable();
            (cells[0].to_owned(), orders.join(" "))
        })
        .collect();
    found.sort();
    let mut expected = vec![
        (
            "支付平台已收款，本系统未缴费".to_owned(),
            unpaid_here.clone(),
        ),
        ("支付平台已收款，本系统未缴费".to_owned(), first.clone()),
        ("金额不一致".to_owned(), differs.clone()),
        ("本系统没有该订单".to_owned(), unknown.to_owned()),
        ("同一报名重复缴费".to_owned(), {
            let mut both = [first.as_str(), second.as_str()];
            both.sort_unstable();
            both.join(" ")
        }),
        ("本系统已缴费，对账单无此交易".to_owned(), missing.clone()),
    ];
    expected.sort();
    assert_eq!(found, expected, "{page}");
    assert!(
        !page.contains(matches.as_str()),
        "the matching payment is not listed"
    );
    assert_eq!(select(&page, "#bill-total"), ["6 笔，1000.00 元"]);

    // Exports for finance.
    let csv = admin
        .get("/staff/finance/reconciliation.csv?date=2025-02-10")
        .await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    assert!(
        csv.starts_with('\u{feff}'),
        "a byte-order mark for spreadsheet programs"
    );
    assert_eq!(csv.lines().count(), 7, "{csv}");
    assert!(
        csv.contains(&format!(
            "\"金额不一致\",\"{differs}\",\"本系统 200.00 元，支付平台 150.00 元\""
        )),
        "{csv}"
    );
    let xlsx = admin
        .get("/staff/finance/reconciliation.xlsx?date=2025-02-10")
        .await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(
        xlsx.bytes().await.unwrap().starts_with(b"PK"),
        "an xlsx is a zip"
    );

    // Importing the same day again replaces it: the same differences, not twice as many.
    post_form(
        &admin,
        "/staff/finance/reconciliation",
        &[("date", "2025-02-10")],
    )
    .await;
    let page = reconciliation_page(&admin, "2025-02-10").await;
    assert_eq!(select(&page, "#mismatches tr").len(), 7);
}

#[tokio::test]
async fn the_daily_job_imports_yesterdays_sandbox_bill_once_and_a_matching_day_says_so() {
    let app = TestApp::new().await;
    let (client, no, _) = qualified_at(&app, PAYING).await;
    let order = open_order(&client, &no).await;
    let n = sandbox(&app)
        .choose(&order_no(&order), CashierChoice::Succeed, PAYING)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(deliver(&app, &n).await, StatusCode::NO_CONTENT);

    app.clock.set(datetime!(2025-02-11 09:30 +8));
    assert!(
        !import_bills::run_once(&app.state).await.unwrap(),
        "not before 10:00"
    );
    app.clock.set(datetime!(2025-02-11 10:30 +8));
    assert!(import_bills::run_once(&app.state).await.unwrap());
    assert!(!import_bills::run_once(&app.state).await.unwrap(), "once");

    let admin = app.staff("admin", &[]).await;
    let page = reconciliation_page(&admin, "2025-02-10").await;
    assert_eq!(select(&page, "#no-mismatch"), ["2025-02-10 对账一致。"]);
    assert_eq!(select(&page, "#bill-total"), ["1 笔，200.00 元"]);
    assert_eq!(select(&page, "#ours-total"), ["1 笔，200.00 元"]);
    // Without a date: yesterday.
    let page = reconciliation_page(&admin, "").await;
    assert_eq!(select(&page, "#no-mismatch").len(), 1);
    let response = admin
        .get("/staff/finance/reconciliation?date=2025-13-01")
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let area = app.staff("area-reviewer", &[]).await;
    assert_eq!(
        area.get("/staff/finance/reconciliation.csv?date=2025-02-10")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}
