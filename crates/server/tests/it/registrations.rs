//! The registration through the API: start, fill every section, revisions, conflicts.

use examreg_test_support::{SignedInClient, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::journey::send;

async fn start(client: &SignedInClient) -> String {
    let (status, body) = send(
        client,
        Method::POST,
        "/api/v1/registrations",
        json!({"exam": "2025-shanghai"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["registration_no"].as_str().unwrap().to_owned()
}

/// The test candidates (`TestApp::candidate`) were born in 1990 (see `resident_id`);
/// these sections fit them.
fn basic((birth, gender): &(String, &str)) -> Value {
    json!({"gender": gender, "birth_date": birth, "ethnicity": "汉族", "phone": "13812345678", "residency": "non_shanghai"})
}

fn exam() -> Value {
    json!({"level": "intermediate", "specialty_code": "368", "point": "310115",
           "current_qualification": "护师", "current_qualification_date": "2018-06-30",
           "practice_category": "nursing", "practice_licence_date": "2012-09-01"})
}

fn education() -> Value {
    json!({"highest_education": "bachelor", "degree": "bachelor", "graduation_date": "2012-07-01",
           "school": "复旦大学", "major": "护理学"})
}

fn work() -> Value {
    json!({"employer": "上海市第一人民医院", "employer_affiliation": "上海市卫生健康委员会",
           "employer_nature": "public", "years_in_specialty": 8})
}

/// Birth date and gender as the candidate's resident ID encodes them.
async fn birth_of(client: &SignedInClient) -> (String, &'static str) {
    let (_, me) = client.get_json("/api/v1/me").await;
    let id = me["id_number"].as_str().unwrap();
    let gender = if (id.as_bytes()[16] - b'0') % 2 == 1 {
        "male"
    } else {
        "female"
    };
    (
        format!("{}-{}-{}", &id[6..10], &id[10..12], &id[12..14]),
        gender,
    )
}

async fn fill_all(client: &SignedInClient, no: &str) -> Value {
    let birth = birth_of(client).await;
    let mut last = Value::Null;
    for (section, body) in [
        ("basic", basic(&birth)),
        ("exam", exam()),
        ("education", education()),
        ("work", work()),
    ] {
        let (status, answer) = send(
            client,
            Method::PUT,
            &format!("/api/v1/registrations/{no}/sections/{section}"),
            body,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{section}: {answer}");
        last = answer;
    }
    last
}

#[tokio::test]
async fn a_full_registration_through_the_api() {
    let app = TestApp::new().await;
    let candidate = app.candidate().await;
    let no = start(&candidate).await;
    assert_eq!(no.len(), 12);
    assert!(no.starts_with("2531"));

    let (status, fresh) = candidate
        .get_json(&format!("/api/v1/registrations/{no}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fresh["status"], "draft");
    assert_eq!(fresh["form_revision"], 0);
    assert!(
        fresh["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["status"] == "not_started")
    );
    assert_eq!(fresh["steps"].as_array().unwrap().len(), 7);
    assert_eq!(fresh["steps"][0]["reached"], false);

    let done = fill_all(&candidate, &no).await;
    assert!(
        done["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["status"] == "completed"),
        "{done}"
    );
    assert_eq!(
        done["steps"][0],
        json!({"label": "填写/修改报考信息", "reached": true})
    );
    assert_eq!(done["steps"][1]["reached"], false);
    assert_eq!(
        done["sections"]["basic"]["name"], "张三",
        "identity comes from the account"
    );
    assert_eq!(
        done["sections"]["exam"]["subjects"]
            .as_array()
            .unwrap()
            .len(),
        4,
        "all four subjects by default"
    );
    assert_eq!(
        done["sections"]["education"]["graduation_date"],
        "2012-07-01"
    );
    assert_eq!(
        done["eligibility"]["verdict"], "eligible",
        "{}",
        done["eligibility"]
    );
    assert_eq!(
        done["form_revision"], 4,
        "each section changed the printed data once"
    );

    // One registration per candidate per exam.
    let (status, body) = send(
        &candidate,
        Method::POST,
        "/api/v1/registrations",
        json!({"exam": "2025-shanghai"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "already_registered");
    assert!(body["error"]["message"].as_str().unwrap().contains(&no));
}

#[tokio::test]
async fn the_form_revision_moves_exactly_with_printed_data() {
    let app = TestApp::new().await;
    let candidate = app.candidate().await;
    let no = start(&candidate).await;
    let done = fill_all(&candidate, &no).await;
    let (revision, form_revision) = (
        done["revision"].as_i64().unwrap(),
        done["form_revision"].as_i64().unwrap(),
    );

    // The same values again: nothing moves.
    let (_, same) = send(
        &candidate,
        Method::PUT,
        &format!("/api/v1/registrations/{no}/sections/work"),
        work(),
    )
    .await;
    assert_eq!(
        (
            same["revision"].as_i64().unwrap(),
            same["form_revision"].as_i64().unwrap()
        ),
        (revision, form_revision)
    );

    // A changed employer is printed on the form: a new form revision.
    let mut moved = work();
    moved["employer"] = json!("上海市第六人民医院");
    let (_, changed) = send(
        &candidate,
        Method::PUT,
        &format!("/api/v1/registrations/{no}/sections/work"),
        moved,
    )
    .await;
    assert_eq!(changed["revision"].as_i64().unwrap(), revision + 1);
    assert_eq!(
        changed["form_revision"].as_i64().unwrap(),
        form_revision + 1
    );
}

#[tokio::test]
async fn two_tabs_the_second_save_is_refused_not_lost() {
    let app = TestApp::new().await;
    let candidate = app.candidate().await;
    let no = start(&candidate).await;
    fill_all(&candidate, &no).await;
    let (_, read) = candidate
        .get_json(&format!("/api/v1/registrations/{no}"))
        .await;
    let revision = read["revision"].clone();

    let mut first = work();
    first["employer"] = json!("第一个标签页");
    first["revision"] = revision.clone();
    let (status, _) = send(
        &candidate,
        Method::PUT,
        &format!("/api/v1/registrations/{no}/sections/work"),
        first,
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let mut second = work();
    second["employer"] = json!("第二个标签页");
    second["revision"] = revision;
    let (status, body) = send(
        &candidate,
        Method::PUT,
        &format!("/api/v1/registrations/{no}/sections/work"),
        second,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "revision_conflict");
    let (_, now) = candidate
        .get_json(&format!("/api/v1/registrations/{no}"))
        .await;
    assert_eq!(now["sections"]["work"]["employer"], "第一个标签页");
}

/// Saves without a revision apply to the registration as it is: however many arrive at
/// once, none is refused as a conflict and none is lost (each moves the revision on).
#[tokio::test]
async fn two_hundred_saves_at_once_without_a_revision_all_apply() {
    const SAVES: i64 = 200;
    // Conflicts are the question here, not admission: the writer may take its time.
    let app = TestApp::builder()
        .configure(|c| {
            c.max_connections_per_address = 1_000;
            c.write_max_wait_ms = 60_000;
        })
        .build()
        .await;
    let candidate = app.candidate().await;
    let no = start(&candidate).await;
    let before = fill_all(&candidate, &no).await["revision"]
        .as_i64()
        .unwrap();
    let birth = birth_of(&candidate).await;
    let saves = (0..SAVES).map(|n| {
        let candidate = candidate.clone();
        let path = format!(
            "/api/v1/registrations/{no}/sections/{}",
            ["work", "basic"][(n % 2) as usize]
        );
        // Every body differs from every other, so every save changes something.
        let body = if n % 2 == 0 {
            let mut body = work();
            body["employer"] = json!(format!("上海市第{n}人民医院"));
            body
        } else {
            let mut body = basic(&birth);
            body["phone"] = json!(format!("138{:08}", n));
            body
        };
        async move { send(&candidate, Method::PUT, &path, body).await }
    });
    let answers = futures::future::join_all(saves).await;
    let refused: Vec<_> = answers
        .iter()
        .filter(|(status, _)| *status != StatusCode::OK)
        .collect();
    assert!(refused.is_empty(), "{} refused: {refused:?}", refused.len());
    let (_, now) = candidate
        .get_json(&format!("/api/v1/registrations/{no}"))
        .await;
    assert_eq!(now["revision"].as_i64().unwrap(), before + SAVES);
    // The revision each save answered is its own: 200 distinct steps.
    let mut revisions: Vec<i64> = answers
        .iter()
        .map(|(_, body)| body["revision"].as_i64().unwrap())
        .collect();
    revisions.sort_unstable();
    revisions.dedup();
    assert_eq!(
        revisions,
        ((before + 1)..=(before + SAVES)).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn bad_input_is_refused_specifically_and_changes_nothing() {
    let app = TestApp::new().await;
    let candidate = app.candidate().await;
    let no = start(&candidate).await;
    let birth = birth_of(&candidate).await;
    let put = |section: &str, body: Value| {
        let path = format!("/api/v1/registrations/{no}/sections/{section}");
        let candidate = candidate.clone();
        async move { send(&candidate, Method::PUT, &path, body).await }
    };

    let (status, body) = put("hobbies", json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::NOT_FOUND, json!("unknown_section"))
    );

    let mut extra = basic(&birth);
    extra["favourite_colour"] = json!("red");
    let (status, body) = put("basic", extra).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["fields"]["favourite_colour"].is_array(),
        "{body}"
    );

    let mut wrong_type = work();
    wrong_type["years_in_specialty"] = json!("five");
    let (status, body) = put("work", wrong_type).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["error"]["fields"]["years_in_specialty"][0],
        "从事本专业年限应为 0 到 60 之间的整数"
    );

    let mut other_level = exam();
    other_level["specialty_code"] = json!("203");
    let (status, body) = put("exam", other_level).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["fields"]["specialty_code"][0]
            .as_str()
            .unwrap()
            .contains("与所选报考级别中级不符"),
        "{body}"
    );

    let mut impossible = education();
    impossible["graduation_date"] = json!("2024-02-30");
    let (status, body) = put("education", impossible).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["fields"]["graduation_date"][0]
            .as_str()
            .unwrap()
            .contains("不是有效日期")
    );

    let (status, _) = put("basic", json!(["not", "an", "object"])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (_, unchanged) = candidate
        .get_json(&format!("/api/v1/registrations/{no}"))
        .await;
    assert_eq!(unchanged["revision"], 1, "nothing was written");
    assert_eq!(unchanged["sections"]["basic"], Value::Null);
}

#[tokio::test]
async fn another_candidates_registration_is_not_found() {
    let app = TestApp::new().await;
    let owner = app.candidate().await;
    let no = start(&owner).await;
    let stranger = app.candidate().await;
    let (status, body) = stranger
        .get_json(&format!("/api/v1/registrations/{no}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
    let (status, _) = send(
        &stranger,
        Method::PUT,
        &format!("/api/v1/registrations/{no}/sections/work"),
        work(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = stranger
        .get_json("/api/v1/registrations/000000000000")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let anonymous = examreg_test_support::http()
        .get(app.url(&format!("/api/v1/registrations/{no}")))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_closed_exam_answers_with_its_dates() {
    let app = TestApp::builder()
        .at(time::macros::datetime!(2024-12-10 00:00 +8))
        .build()
        .await;
    let candidate = app.candidate().await;
    let (status, body) = send(
        &candidate,
        Method::POST,
        "/api/v1/registrations",
        json!({"exam": "2025-shanghai"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "registration_closed");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2024年11月26日 00:00 至 2024年12月10日 00:00"),
        "{body}"
    );
    let (status, body) = send(
        &candidate,
        Method::POST,
        "/api/v1/registrations",
        json!({"exam": "1999-atlantis"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["exam"].is_array());
}

#[tokio::test]
async fn saving_after_the_window_closes_is_refused() {
    let app = TestApp::builder()
        .at(time::macros::datetime!(2024-12-09 23:50 +8))
        .build()
        .await;
    let candidate = app.candidate().await;
    let no = start(&candidate).await;
    app.clock.advance(time::Duration::minutes(10));
    let (status, body) = send(
        &candidate,
        Method::PUT,
        &format!("/api/v1/registrations/{no}/sections/work"),
        work(),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "registration_closed");
}

#[tokio::test]
async fn the_pre_check_matches_the_licence_to_the_specialty_and_first_timers_sit_every_subject() {
    let app = TestApp::new().await;
    let candidate = app.candidate().await;
    let no = start(&candidate).await;
    fill_all(&candidate, &no).await;
    let put_exam = |body: Value| {
        let candidate = candidate.clone();
        let no = no.clone();
        async move {
            send(
                &candidate,
                Method::PUT,
                &format!("/api/v1/registrations/{no}/sections/exam"),
                body,
            )
            .await
        }
    };

    // A 临床 主治医师 whose licence is a nurse's, obtained a month ago.
    let (status, body) = put_exam(
        json!({"level": "intermediate", "specialty_code": "303", "point": "310115",
        "practice_category": "nursing", "practice_licence_date": "2024-11-01"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["eligibility"]["verdict"], "not_eligible");
    let reasons = body["eligibility"]["reasons"].to_string();
    assert!(
        reasons.contains("报考内科学须持有临床类别的执业证书，您填写的执业类别为护理"),
        "{reasons}"
    );
    assert!(
        reasons.contains("须取得执业证书后从事本专业工作满 4 年"),
        "{reasons}"
    );

    // A first-timer cannot drop subjects; a retaker may.
    let (status, body) = put_exam(
        json!({"level": "intermediate", "specialty_code": "368", "point": "310115",
        "subjects": ["basic_knowledge"]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["fields"]["subjects"][0]
            .as_str()
            .unwrap()
            .starts_with("首次报考须报考全部 4 个科目"),
        "{body}"
    );
    let (status, body) = put_exam(json!({"level": "intermediate", "specialty_code": "368", "point": "310115",
        "subjects": ["basic_knowledge"], "previous_ticket_no": "2431150001", "previous_specialty_code": "368"}))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["sections"]["exam"]["subjects"],
        json!(["basic_knowledge"])
    );
}
