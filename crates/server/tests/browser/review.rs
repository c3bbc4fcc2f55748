//! Journeys 2 and 3: a point reviewer returns a case, the candidate fixes and resubmits,
//! the case is confirmed and qualified; a stale printed form is refused.

use examreg_test_support::fixtures;
use thirtyfour::prelude::*;

use crate::axe::assert_accessible;
use crate::harness::{Browser, Server};
use crate::journeys::{
    fill_sections, register_and_start, register_fill_upload_submit, upload_and_confirm_photo,
};
use crate::steps::*;

async fn staff_sign_in(b: &Browser, server: &Server, username: &str) {
    let d = &b.driver;
    open(b, server, "/staff").await;
    fill(d, "username", username).await;
    fill(d, "password", server.staff_password(username)).await;
    click_button(d, "登录").await;
    eventually(d, "the review console", move || async move {
        body_text(d).await.contains("报名列表")
    })
    .await;
}

/// Takes the favourable decision on the open case and waits for the new `status`.
async fn approve(r: &WebDriver, status: &'static str) {
    r.find(By::Id("decision-yes"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click_button(r, "提交审核意见").await;
    // Decided: the case page is back without a decision form (its radio labels would
    // contain the status words too).
    eventually(r, status, move || async move {
        r.find(By::Id("decision-yes")).await.is_err() && body_text(r).await.contains(status)
    })
    .await;
}

/// Journey 2 at one window size.
pub(crate) async fn reviewer_returns_candidate_fixes_case_is_confirmed(width: u32, height: u32) {
    let mut server = Server::start().await;
    let candidate = Browser::start(width, height, true).await;
    let reviewer = Browser::start(width, height, true).await;
    let files = tempfile::tempdir().unwrap();
    let n = 8000 + width;
    let no = register_fill_upload_submit(&candidate, &server, n, true).await;
    let (c, r) = (&candidate.driver, &reviewer.driver);

    // Given a point reviewer signs in at /staff and finds the case in the queue,
    staff_sign_in(&reviewer, &server, "demo-point").await;
    assert_accessible(r, "审核工作台").await;
    click_link(r, &no).await;
    eventually(r, "the case page", move || async move {
        body_text(r).await.contains("照片和材料")
    })
    .await;
    assert_accessible(r, "审核案卷").await;
    reviewer.screenshot("10-case").await;

    // …opens the images (zoom, rotate, next),
    let first = r.find(By::Css(".case-images a[data-full]")).await.unwrap();
    first.scroll_into_view().await.unwrap();
    first.click().await.unwrap();
    eventually(r, "the viewer", move || async move {
        r.find(By::Css(".viewer:not([hidden])")).await.is_ok()
    })
    .await;
    let caption = r
        .find(By::Css(".viewer-caption"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    click_button(r, "放大").await;
    click_button(r, "旋转").await;
    click_button(r, "下一张").await;
    let next = r
        .find(By::Css(".viewer-caption"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_ne!(caption, next, "下一张 shows another image");
    let transform = r
        .find(By::Css(".viewer-stage img"))
        .await
        .unwrap()
        .attr("style")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(
        transform.contains("rotate(0deg)"),
        "a new image starts upright: {transform}"
    );
    reviewer.screenshot("11-viewer").await;
    click_button(r, "关闭").await;

    // …and returns it with two reasons.
    r.find(By::Id("decision-no"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for reason in ["material_unclear", "form_not_signed"] {
        let checkbox = r.find(By::Id(format!("reason-{reason}"))).await.unwrap();
        checkbox.scroll_into_view().await.unwrap();
        checkbox.click().await.unwrap();
    }
    choose(r, "slot", "8-1").await;
    fill(r, "note", "请重新拍摄，要求四角完整").await;
    click_button(r, "提交审核意见").await;
    eventually(r, "the case returned", move || async move {
        body_text(r).await.contains("报名确认不通过")
    })
    .await;

    // Then the candidate sees the reasons in the to-do list,
    open(&candidate, &server, "/").await;
    let home = body_text(c).await;
    assert!(home.contains("待办事项"), "{home}");
    assert!(
        home.contains("材料不清晰（材料框 8-1）：请重新拍摄，要求四角完整"),
        "{home}"
    );
    candidate.screenshot("12-todo").await;

    // …replaces the file, completes the materials again and resubmits,
    open(
        &candidate,
        &server,
        &format!("/registrations/{no}/materials"),
    )
    .await;
    delete_last_file(c, "8-1", 0).await;
    let fresh = file(files.path(), "fresh.jpg", &fixtures::material(n * 10 + 500));
    upload(c, "file-8-1", &fresh).await;
    eventually(c, "the new file", move || async move {
        files_in_slot(c, "8-1").await == 1
    })
    .await;
    click_button(c, "上传全部证明材料").await;
    // Completed: the page moves on to the registration, as the guide says.
    let registration = format!("/registrations/{no}");
    eventually(c, "the materials completed", || {
        let registration = registration.clone();
        async move { current_path(c).await == registration }
    })
    .await;
    click_button(c, "提交报名信息").await;
    eventually(c, "resubmitted", move || async move {
        body_text(c).await.contains("已提交，待报名点确认")
    })
    .await;

    // …the reviewer sees what changed and confirms,
    open(&reviewer, &server, &format!("/staff/registrations/{no}")).await;
    let case = body_text(r).await;
    assert!(case.contains("自上次审核以来的变化"), "{case}");
    assert!(
        case.contains("新上传 1 个文件") && case.contains("已删除"),
        "{case}"
    );
    reviewer.screenshot("13-changes").await;
    approve(r, "报名确认通过").await;

    // …and, once the operator's calendar has reached the qualification review (the
    // server restarted on the same data with the exam's dates moved), an area reviewer
    // approves the qualification.
    let exams = tempfile::tempdir().unwrap();
    restart_with_later_calendar(
        &mut server,
        exams.path(),
        "qualification_review_closes = 2099-01-01T00:00:00\n\
         qualification_results_published = 2099-01-02T00:00:00\n\
         payment_opens = 2099-01-03T00:00:00\n\
         payment_closes = 2099-01-10T00:00:00",
    );
    click_button(r, "退出登录").await;
    // Signed out only once the sign-in form is back: opening /staff before the sign-out
    // landed would cancel it and find the console still signed in.
    eventually(r, "signed out", move || async move {
        r.find(By::Id("username")).await.is_ok()
    })
    .await;
    staff_sign_in(&reviewer, &server, "demo-area").await;
    open(&reviewer, &server, &format!("/staff/registrations/{no}")).await;
    approve(r, "资格审核通过").await;

    // The candidate's progress bar shows 报名确认 green; the qualification result waits
    // for the exam's publication time.
    open(&candidate, &server, &format!("/registrations/{no}")).await;
    let states = progress(c).await;
    assert_eq!(
        states,
        [true, true, true, true, true, false, false],
        "progress bar"
    );

    // When the publication time has come, the candidate sees 资格审核 green (payment
    // still open: an unpaid qualified registration is abandoned once it has closed).
    restart_with_later_calendar(
        &mut server,
        exams.path(),
        "qualification_review_closes = 2020-02-01T00:00:00\n\
         qualification_results_published = 2020-02-02T00:00:00\n\
         payment_opens = 2020-02-03T00:00:00\n\
         payment_closes = 2099-02-17T00:00:00",
    );
    open(&candidate, &server, &format!("/registrations/{no}")).await;
    let text = body_text(c).await;
    assert!(text.contains("资格审核通过"), "{text}");
    let states = progress(c).await;
    assert_eq!(
        states,
        [true, true, true, true, true, true, false],
        "progress bar"
    );
    candidate.screenshot("14-qualified").await;

    // …and pays: 缴费 shows 科目 × 单价 = 合计, 去支付 goes to the (sandbox) cashier,
    // 支付成功 returns to 缴费, node 7 turns green and the receipt shows the payment.
    click_link(c, "缴费").await;
    eventually(c, "the payment page", move || async move {
        body_text(c).await.contains("缴费明细")
    })
    .await;
    assert_accessible(c, "缴费").await;
    let total = c
        .find(By::Id("fees-total"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(total, "200.00 元");
    candidate.screenshot("15-payment").await;
    click_button(c, "去支付").await;
    eventually(c, "the cashier", move || async move {
        current_path(c).await.starts_with("/pay/sandbox/")
    })
    .await;
    assert_accessible(c, "模拟收银台").await;
    click_button(c, "支付成功").await;
    eventually(c, "paid", move || async move {
        c.find(By::Id("paid")).await.is_ok()
    })
    .await;
    let states = progress(c).await;
    assert_eq!(states, [true; 7], "progress bar");
    candidate.screenshot("16-paid").await;
    click_link(c, "查看缴费凭证").await;
    eventually(c, "the receipt", move || async move {
        c.find(By::Id("receipt-amount")).await.is_ok()
    })
    .await;
    let amount = c
        .find(By::Id("receipt-amount"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(amount, "200.00 元");
    assert_accessible(c, "缴费凭证").await;
    candidate.screenshot("17-receipt").await;
    candidate.quit().await;
    reviewer.quit().await;
}

/// Restarts the server, as an operator would, with the bundled definition as its `demo`
/// exam whose registration lay in 2020 and whose qualification review opened on
/// 2020-01-12, with `later` as the rest of the calendar.
fn restart_with_later_calendar(server: &mut Server, exams: &std::path::Path, later: &str) {
    let bundled = examreg_server::exams::BUNDLED[0].1;
    let start = bundled.find("[calendar]").unwrap();
    let end = bundled.find("eligibility_cutoff").unwrap();
    let definition = format!(
        "{}[calendar]\n\
         registration_opens = 2020-01-01T00:00:00\n\
         registration_closes = 2020-01-10T00:00:00\n\
         returns_close = 2020-01-10T12:00:00\n\
         resubmit_deadline = 2020-01-11T17:00:00\n\
         confirmation_closes = 2020-01-11T17:00:00\n\
         qualification_review_opens = 2020-01-12T00:00:00\n\
         {later}\n\
         {}",
        &bundled[..start],
        &bundled[end..]
    )
    .replacen("id = \"2025-shanghai\"", "id = \"demo\"", 1);
    std::fs::write(exams.join("demo.toml"), definition).unwrap();
    server.restart_with_exams(exams);
}

/// Journey 3: a form printed before a change is refused on upload.
pub(crate) async fn a_stale_printed_form_is_refused(width: u32, height: u32) {
    let server = Server::start().await;
    let b = Browser::start(width, height, true).await;
    let d = &b.driver;
    let files = tempfile::tempdir().unwrap();
    let n = 9000 + width;
    let no = register_and_start(&b, &server, n, true).await;
    fill_sections(&b, &server, &no, n, true).await;
    upload_and_confirm_photo(&b, &server, &no, n, files.path()).await;

    // Given the candidate printed the form,
    open(&b, &server, &format!("/registrations/{no}/materials")).await;
    click_link(d, "打印报名表").await;
    let old_print = downloaded(&b, "pdf").await;

    // when they change their employer afterwards and upload the old, signed print,
    open(&b, &server, &format!("/registrations/{no}/sections/work")).await;
    fill(d, "employer", "上海市第六人民医院").await;
    click_button(d, "保存并继续").await;
    eventually(d, "the work section saved", move || async move {
        !current_path(d).await.ends_with("/sections/work")
    })
    .await;
    open(&b, &server, &format!("/registrations/{no}/materials")).await;
    let scan = file(
        files.path(),
        "old-form.jpg",
        &fixtures::scan_of_pdf(&old_print, 100, 0),
    );
    upload(d, "file-form", &scan).await;

    // then they are told to print again, and nothing is stored.
    eventually(d, "the stale-form message", move || async move {
        body_text(d).await.contains("请重新打印")
    })
    .await;
    let text = body_text(d).await;
    assert!(text.contains("您上传的申请表为第"), "{text}");
    assert_eq!(files_in_slot(d, "form").await, 0);
    b.screenshot("20-stale-form").await;
    b.quit().await;
}
