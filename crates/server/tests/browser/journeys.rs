//! The candidate's journey of the guide, in a real browser: register, fill in, upload,
//! print, upload the signed form, submit.

use examreg_test_support::{fixtures, resident_id};
use thirtyfour::prelude::*;

use crate::axe::assert_accessible;
use crate::harness::{Browser, Server};
use crate::steps::*;

/// The required slots of a Shanghai-hukou 主管护师 candidate, without the signed form.
const NURSE_MATERIALS: [&str; 8] = ["3-1", "3-2", "4-3a", "4-3b", "5-5", "5-6", "8-1", "8-2"];

/// Journey 1 at one window size, with or without JavaScript.
pub(crate) async fn candidate_registers_and_submits(width: u32, height: u32, javascript: bool) {
    let server = Server::start().await;
    let b = Browser::start(width, height, javascript).await;
    let n = 7000 + width + u32::from(javascript);
    register_fill_upload_submit(&b, &server, n, javascript).await;
    b.quit().await;
}

/// The steps of journey 1 in `b`; returns the 网报号 of the submitted registration./// The steps of journey 1 in `b`; returns the 网报号 of the submitted registration.
pub(crate) async fn register_fill_upload_submit(
    b: &Browser,
    server: &Server,
    n: u32,
    javascript: bool,
) -> String {
    let files = tempfile::tempdir().unwrap();
    let no = register_and_start(b, server, n, javascript).await;
    fill_sections(b, server, &no, n, javascript).await;
    upload_and_confirm_photo(b, server, &no, n, files.path()).await;
    upload_materials_and_submit(b, server, &no, n, javascript, files.path()).await;
    no
}

/// Registers an account, signs in and starts a registration for the demo exam.
pub(crate) async fn register_and_start(
    b: &Browser,
    server: &Server,
    n: u32,
    javascript: bool,
) -> String {
    let d = &b.driver;
    let id_number = resident_id(n);
    // Given the demo exam is open, when a new candidate registers an account…
    open(b, server, "/").await;
    assert!(body_text(d).await.contains("演示"));
    b.screenshot("01-home").await;
    open(b, server, "/register").await;
    if javascript {
        assert_accessible(d, "注册").await;
    }
    // …verifies the phone (the demo server shows the code it would have sent)…
    fill(d, "phone", &format!("139{n:08}")).await;
    click_button(d, "获取短信验证码").await;
    // The page comes back with the code once the request is answered.
    eventually(d, "the code the demo would have sent", || async {
        d.find(By::Css(".sandbox-code strong")).await.is_ok()
    })
    .await;
    let sandbox = d
        .find(By::Css(".sandbox-code strong"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    b.screenshot("01-register-code-sent").await;
    if javascript {
        assert_accessible(d, "注册：填写账号信息").await;
    }
    fill(d, "phone_code", &sandbox).await;
    fill(d, "username", &format!("nurse{n}")).await;
    fill(d, "password", "长江后浪推前浪 2024").await;
    fill(d, "name", "张三").await;
    fill(d, "id_number", &id_number).await;
    click_button(d, "注册").await;
    // …and signs in,
    eventually(d, "the sign-in page", move || async move {
        current_path(d).await.starts_with("/login")
    })
    .await;
    fill(d, "username", &format!("nurse{n}")).await;
    fill(d, "password", "长江后浪推前浪 2024").await;
    click_button(d, "登录").await;
    eventually(d, "signed in", move || async move {
        !current_path(d).await.starts_with("/login")
    })
    .await;
    open(b, server, "/").await;

    // …starts a registration for the open exam,
    let start = d
        .find(By::XPath(
            "//form[input[@name='exam' and @value='demo']]//button",
        ))
        .await
        .unwrap();
    start.click().await.unwrap();
    eventually(d, "the registration", move || async move {
        current_path(d).await.starts_with("/registrations/")
    })
    .await;
    let path = current_path(d).await;
    let no = path.trim_start_matches("/registrations/").to_owned();
    assert_eq!(no.len(), 12, "{path}");

    no
}

/// Fills the four sections as candidate `n`, fixing one validation error on the way.
pub(crate) async fn fill_sections(
    b: &Browser,
    server: &Server,
    no: &str,
    n: u32,
    javascript: bool,
) {
    let d = &b.driver;
    let id_number = resident_id(n);
    // …fills every section, seeing and fixing one validation error on the way,
    let gender = if (id_number.as_bytes()[16] - b'0') % 2 == 1 {
        "male"
    } else {
        "female"
    };
    let birth = format!(
        "{}-{}-{}",
        &id_number[6..10],
        &id_number[10..12],
        &id_number[12..14]
    );
    open(b, server, &format!("/registrations/{no}/sections/basic")).await;
    choose(d, "gender", gender).await;
    fill(d, "birth_date", &birth).await;
    choose(d, "ethnicity", "汉族").await;
    fill(d, "phone", "12345").await;
    choose(d, "residency", "shanghai_hukou").await;
    click_button(d, "保存并继续").await;
    eventually(d, "the error summary", move || async move {
        body_text(d).await.contains("存在以下问题")
    })
    .await;
    if javascript {
        let focused = d
            .execute(
                "return document.activeElement && document.activeElement.id",
                Vec::new(),
            )
            .await
            .unwrap()
            .convert::<Option<String>>()
            .unwrap();
        assert_eq!(
            focused.as_deref(),
            Some("error-summary"),
            "the error summary takes focus"
        );
        assert_accessible(d, "基本情况（有错误）").await;
    }
    b.screenshot("02-section-error").await;
    fill(d, "phone", "13812345678").await;
    click_button(d, "保存并继续").await;
    eventually(d, "the basic section saved", move || async move {
        !current_path(d).await.ends_with("/sections/basic")
    })
    .await;

    open(b, server, &format!("/registrations/{no}/sections/exam")).await;
    choose(d, "level", "intermediate").await;
    choose(d, "specialty_code", "368").await;
    choose(d, "point", "310115").await;
    fill(d, "current_qualification", "护师").await;
    fill(d, "current_qualification_date", "2018-06-30").await;
    choose(d, "practice_category", "nursing").await;
    fill(d, "practice_licence_date", "2012-09-01").await;
    click_button(d, "保存并继续").await;
    eventually(d, "the exam section saved", move || async move {
        !current_path(d).await.ends_with("/sections/exam")
    })
    .await;

    open(
        b,
        server,
        &format!("/registrations/{no}/sections/education"),
    )
    .await;
    choose(d, "highest_education", "bachelor").await;
    choose(d, "degree", "bachelor").await;
    fill(d, "graduation_date", "2012-07-01").await;
    fill(d, "school", "复旦大学").await;
    fill(d, "major", "护理学").await;
    click_button(d, "保存并继续").await;
    eventually(d, "the education section saved", move || async move {
        !current_path(d).await.ends_with("/sections/education")
    })
    .await;

    open(b, server, &format!("/registrations/{no}/sections/work")).await;
    fill(d, "employer", "上海市第一人民医院").await;
    fill(d, "employer_affiliation", "上海市卫生健康委员会").await;
    choose(d, "employer_nature", "public").await;
    fill(d, "years_in_specialty", "8").await;
    click_button(d, "保存并继续").await;
    eventually(d, "the work section saved", move || async move {
        !current_path(d).await.ends_with("/sections/work")
    })
    .await;

    // …checks the answers,
    open(b, server, &format!("/registrations/{no}/check")).await;
    let check = body_text(d).await;
    for value in ["张三", "浦东新区报名点", "复旦大学", "上海市第一人民医院"]
    {
        assert!(check.contains(value), "{value} on the check page:\n{check}");
    }
    b.screenshot("03-check").await;
}

/// Uploads the registration photo and confirms it.
pub(crate) async fn upload_and_confirm_photo(
    b: &Browser,
    server: &Server,
    no: &str,
    n: u32,
    files: &std::path::Path,
) {
    let d = &b.driver;
    // …uploads the photo and confirms it,
    open(b, server, &format!("/registrations/{no}/photo")).await;
    let photo = file(files, "photo.jpg", &fixtures::photo(n));
    upload(d, "photo-file", &photo).await;
    eventually(d, "the photo shown back", move || async move {
        body_text(d).await.contains("确认使用此照片")
    })
    .await;
    click_button(d, "确认使用此照片").await;
    eventually(d, "the photo confirmed", move || async move {
        body_text(d).await.contains("已确认使用此照片")
            || !current_path(d).await.ends_with("/photo")
    })
    .await;
}

/// Uploads the materials, prints and uploads the signed form, completes and submits.
pub(crate) async fn upload_materials_and_submit(
    b: &Browser,
    server: &Server,
    no: &str,
    n: u32,
    javascript: bool,
    files: &std::path::Path,
) {
    let d = &b.driver;
    // …uploads materials into the slots that apply,
    open(b, server, &format!("/registrations/{no}/materials")).await;
    if javascript {
        assert_accessible(d, "上传材料").await;
    }
    for (i, slot) in NURSE_MATERIALS.iter().enumerate() {
        let bytes = match (*slot, javascript) {
            // A phone photo far over 150 KB: the page shrinks it in the browser.
            ("8-1", true) => fixtures::oversized(n + 100),
            // A PNG: the page converts it to a JPEG in the browser.
            ("8-2", true) => fixtures::large_png(n + 200),
            _ => fixtures::material(n * 10 + i as u32),
        };
        let name = if *slot == "8-2" && javascript {
            "scan.png"
        } else {
            "scan.jpg"
        };
        let path = file(files, &format!("{slot}-{name}"), &bytes);
        upload(d, &format!("file-{slot}"), &path).await;
        let slot_name = (*slot).to_owned();
        eventually(d, &format!("a file in slot {slot}"), || {
            let slot = slot_name.clone();
            async move { files_in_slot(d, &slot).await == 1 }
        })
        .await;
    }
    // …uploads one file too many into 8-2 and deletes it again,
    let extra = file(files, "extra.jpg", &fixtures::material(n * 10 + 99));
    upload(d, "file-8-2", &extra).await;
    eventually(d, "a second file in 8-2", move || async move {
        files_in_slot(d, "8-2").await == 2
    })
    .await;
    delete_last_file(d, "8-2", 1).await;

    // …prints the form (the PDF downloads), has it signed and stamped, uploads the scan,
    click_link(d, "打印报名表").await;
    let pdf = downloaded(b, "pdf").await;
    assert!(pdf.starts_with(b"%PDF-"));
    let scan = file(files, "form.jpg", &fixtures::scan_of_pdf(&pdf, 100, 0));
    upload(d, "file-form", &scan).await;
    eventually(d, "the signed form uploaded", move || async move {
        files_in_slot(d, "form").await == 1
    })
    .await;
    b.screenshot("04-materials").await;

    // …completes the materials and submits.
    click_button(d, "上传全部证明材料").await;
    let registration = format!("/registrations/{no}");
    eventually(d, "the materials completed", || {
        let registration = registration.clone();
        async move { current_path(d).await == registration }
    })
    .await;
    click_button(d, "提交报名信息").await;
    eventually(d, "the registration submitted", move || async move {
        body_text(d).await.contains("已提交，待报名点确认")
    })
    .await;

    // Then the progress bar shows the first four nodes green.
    let states = progress(d).await;
    assert_eq!(
        states,
        [true, true, true, true, false, false, false],
        "progress bar"
    );
    if javascript {
        assert_accessible(d, "我的报名（已提交）").await;
    }
    b.screenshot("05-submitted").await;
}
