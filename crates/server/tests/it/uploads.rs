//! Photo and materials through the API.

use std::time::Duration;

use examreg_test_support::{TestApp, fixtures};

use crate::journey::{nurse, send};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn the_slots_that_apply_with_their_reasons() {
    let app = TestApp::new().await;
    let (client, no) = nurse(&app, "non_shanghai").await;
    let (status, slots) = client
        .get_json(&format!("/api/v1/registrations/{no}/slots"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<(String, bool)> = slots
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_owned(),
                s["required"].as_bool().unwrap(),
            )
        })
        .collect();
    let required: Vec<&str> = ids
        .iter()
        .filter(|(_, r)| *r)
        .map(|(id, _)| id.as_str())
        .collect();
    assert_eq!(
        required,
        [
            "form", "1", "3-1", "3-2", "4-3a", "4-3b", "5-5", "5-6", "8-1", "8-2"
        ]
    );
    assert!(
        ids.contains(&("10".to_owned(), false)),
        "special cases: offered, optional"
    );
    assert!(
        !ids.iter()
            .any(|(id, _)| id == "2" || id == "9" || id == "11")
    );
    let one = &slots[1];
    assert_eq!(
        one["reason"],
        "非本市户籍考生须提交《上海市居住证》等相关材料"
    );
    assert_eq!(one["max_files"], 2);
}

#[tokio::test]
async fn an_upload_is_stored_and_served_only_to_its_owner() {
    let app = TestApp::new().await;
    let (client, no) = nurse(&app, "shanghai_hukou").await;
    let bytes = fixtures::material(1);
    // A CRLF in the part's file name breaks the multipart headers: refused as malformed.
    let (status, body) = client
        .upload(&no, "3-1", bytes.clone(), "evil\r\nX-Injected: 1.jpg")
        .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("bad_request"))
    );
    let hostile_name = format!("../../../etc/passwd{}.jpg", "长".repeat(300));
    let (status, file) = client
        .upload(&no, "3-1", bytes.clone(), &hostile_name)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    assert_eq!(
        (file["width"].clone(), file["height"].clone()),
        (json!(600), json!(800))
    );
    assert_eq!(file["size"], bytes.len());
    let id = file["id"].as_str().unwrap();

    // The bytes are stored under a key of the server's choosing, never the file name.
    let stored: Vec<_> = app.stored_keys("registrations").await;
    assert_eq!(stored.len(), 1);
    assert!(stored[0].ends_with(&format!("{id}.jpg")), "{stored:?}");
    assert_eq!(app.state.files.get(&stored[0]).await.unwrap(), bytes);

    let response = client
        .get(&format!("/api/v1/registrations/{no}/files/{id}"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let h = response.headers().clone();
    assert_eq!(h["content-type"], "image/jpeg");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["content-security-policy"], "default-src 'none'; sandbox");
    assert!(h["cache-control"].to_str().unwrap().starts_with("private"));
    assert_eq!(response.bytes().await.unwrap().to_vec(), bytes);

    let stranger = app.candidate().await;
    assert_eq!(
        stranger
            .get(&format!("/api/v1/registrations/{no}/files/{id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let anonymous = examreg_test_support::http()
        .get(app.url(&format!("/api/v1/registrations/{no}/files/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let (_, slots) = client
        .get_json(&format!("/api/v1/registrations/{no}/slots"))
        .await;
    let three = slots
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "3-1")
        .unwrap();
    assert_eq!(three["files"][0]["id"], id);

    let response = client
        .send(
            Method::DELETE,
            &format!("/api/v1/registrations/{no}/files/{id}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(
        app.stored_keys("registrations").await.is_empty(),
        "the bytes went with the row"
    );
}

#[tokio::test]
async fn bad_files_are_refused_specifically_and_nothing_is_stored() {
    let app = TestApp::new().await;
    let (client, no) = nurse(&app, "shanghai_hukou").await;
    let mut with_zip = fixtures::material(2);
    with_zip.extend_from_slice(b"PK\x03\x04 appended archive");
    let mut huge_header = fixtures::material(3);
    let sof = huge_header
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .unwrap();
    huge_header[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
    let cases: Vec<(Vec<u8>, StatusCode, &str)> = vec![
        (fixtures::png(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "PNG"),
        (
            b"<html><script>alert(1)</script></html>".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "网页",
        ),
        (
            b"%PDF-1.4 fake".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "PDF",
        ),
        (Vec::new(), StatusCode::UNPROCESSABLE_ENTITY, "0 字节"),
        (
            fixtures::oversized(4),
            StatusCode::PAYLOAD_TOO_LARGE,
            "超过 150 KB 上限",
        ),
        (with_zip, StatusCode::UNPROCESSABLE_ENTITY, "附带了"),
        (huge_header, StatusCode::UNPROCESSABLE_ENTITY, "60000×60000"),
        (
            fixtures::material(5)[..20_000].to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "不完整",
        ),
        (
            [&fixtures::material(7)[..40_000], &[0xFF, 0xD9][..]].concat(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "不完整",
        ),
    ];
    for (bytes, status, says) in cases {
        let (got, body) = client.upload(&no, "3-1", bytes, "photo.jpg").await;
        assert_eq!(got, status, "{body}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(says),
            "{says}: {body}"
        );
    }
    let (status, body) = client
        .upload(&no, "99", fixtures::material(6), "a.jpg")
        .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::NOT_FOUND, json!("unknown_slot"))
    );
    let (status, body) = client
        .upload(&no, "2", fixtures::material(6), "a.jpg")
        .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("slot_not_applicable"))
    );
    assert!(app.stored_keys("registrations").await.is_empty());

    // Twice the same file, and more files than the slot takes.
    assert_eq!(
        client
            .upload(&no, "3-2", fixtures::material(7), "a.jpg")
            .await
            .0,
        StatusCode::CREATED
    );
    let (status, body) = client
        .upload(&no, "3-1", fixtures::material(7), "b.jpg")
        .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("duplicate_file"))
    );
    let (status, body) = client
        .upload(&no, "3-2", fixtures::material(8), "c.jpg")
        .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("slot_full"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("最多允许上传 1 个文件")
    );
    assert_eq!(app.stored_keys("registrations").await.len(), 1);
}

#[tokio::test]
async fn the_slot_limit_holds_under_concurrent_uploads() {
    let app = TestApp::new().await;
    let (client, no) = nurse(&app, "non_shanghai").await;
    // Slot 1 takes 2 files; six arrive at once.
    let uploads = (0..6).map(|n| {
        let client = client.clone();
        let no = no.clone();
        async move {
            client
                .upload(&no, "1", fixtures::material(100 + n), "page.jpg")
                .await
                .0
        }
    });
    let statuses = futures::future::join_all(uploads).await;
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        4,
        "{statuses:?}"
    );
    let (_, slots) = client
        .get_json(&format!("/api/v1/registrations/{no}/slots"))
        .await;
    let one = slots
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "1")
        .unwrap();
    assert_eq!(one["files"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.stored_keys("registrations").await.len(),
        2,
        "refused uploads left no bytes"
    );
}

#[tokio::test]
async fn completing_the_materials_checks_every_required_slot() {
    let app = TestApp::new().await;
    let (client, no) = nurse(&app, "shanghai_hukou").await;
    let complete = format!("/api/v1/registrations/{no}/materials/complete");
    let (status, body) = send(&client, Method::POST, &complete, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut missing: Vec<String> = body["error"]["fields"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    missing.sort();
    assert_eq!(
        missing,
        [
            "slots.3-1",
            "slots.3-2",
            "slots.4-3a",
            "slots.4-3b",
            "slots.5-5",
            "slots.5-6",
            "slots.8-1",
            "slots.8-2",
            "slots.form"
        ]
    );

    for (n, slot) in [
        "form", "3-1", "3-2", "4-3a", "4-3b", "5-5", "5-6", "8-1", "8-2",
    ]
    .iter()
    .enumerate()
    {
        let (status, body) = client
            .upload(&no, slot, fixtures::material(200 + n as u32), "scan.jpg")
            .await;
        assert_eq!(status, StatusCode::CREATED, "{slot}: {body}");
    }
    let (status, _) = send(&client, Method::POST, &complete, json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, reg) = client
        .get_json(&format!("/api/v1/registrations/{no}"))
        .await;
    assert_eq!(
        reg["steps"][2],
        json!({"label": "上传材料", "reached": true})
    );

    // A change to the materials means pressing 上传全部证明材料 again.
    let (_, extra) = client
        .upload(&no, "10", fixtures::material(300), "extra.jpg")
        .await;
    let (_, reg) = client
        .get_json(&format!("/api/v1/registrations/{no}"))
        .await;
    assert_eq!(reg["steps"][2]["reached"], false);
    assert!(extra["id"].is_string());
}

#[tokio::test]
async fn the_photo_is_replaced_and_confirmed() {
    let app = TestApp::new().await;
    let (client, no) = nurse(&app, "shanghai_hukou").await;
    let put = |bytes: Vec<u8>| {
        let client = client.clone();
        let path = format!("/api/v1/registrations/{no}/photo");
        async move {
            let response = client
                .send(Method::PUT, &path)
                .header("content-type", "image/jpeg")
                .body(bytes)
                .send()
                .await
                .unwrap();
            let status = response.status();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, body) = put(fixtures::tiny(1)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("小于 45 KB 下限"),
        "{body}"
    );
    let (status, first) = put(fixtures::photo(1)).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, _) = send(
        &client,
        Method::POST,
        &format!("/api/v1/registrations/{no}/photo/confirm"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, reg) = client
        .get_json(&format!("/api/v1/registrations/{no}"))
        .await;
    assert_eq!(
        reg["steps"][1],
        json!({"label": "上传照片", "reached": true})
    );

    let (status, second) = put(fixtures::photo(2)).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, reg) = client
        .get_json(&format!("/api/v1/registrations/{no}"))
        .await;
    assert_eq!(
        reg["steps"][1]["reached"], false,
        "a new photo must be confirmed again"
    );
    let old = client
        .get(&format!(
            "/api/v1/registrations/{no}/files/{}",
            first["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(old.status(), StatusCode::NOT_FOUND, "replaced");
    let new = client
        .get(&format!(
            "/api/v1/registrations/{no}/files/{}",
            second["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(new.status(), StatusCode::OK);
    assert_eq!(app.stored_keys("registrations").await.len(), 1);
}

#[tokio::test]
async fn files_without_a_row_are_collected_and_rows_keep_their_bytes() {
    let app = TestApp::new().await;
    let (client, no) = nurse(&app, "shanghai_hukou").await;
    let (_, kept) = client
        .upload(&no, "3-1", fixtures::material(9), "a.jpg")
        .await;
    // What a crash between writing the bytes and committing the row leaves behind.
    let stray = "registrations/00000000-0000-0000-0000-000000000000/crash.jpg";
    app.state
        .files
        .put_durable(stray, bytes::Bytes::from_static(b"half an upload"))
        .await
        .unwrap();
    // Just written, it may be an upload whose row another node is about to commit.
    let job_age = examreg_server::jobs::collect_orphans::AGE;
    let young = examreg_server::services::uploads::collect_orphans(&app.state, job_age)
        .await
        .unwrap();
    assert_eq!(young, 0, "a file younger than {job_age:?} is left alone");
    assert!(
        app.stored_keys("registrations")
            .await
            .contains(&stray.to_owned())
    );
    // An hour on, nothing refers to it.
    let removed = examreg_server::services::uploads::collect_orphans(&app.state, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(removed, 1);
    assert!(
        !app.stored_keys("registrations")
            .await
            .contains(&stray.to_owned())
    );
    let response = client
        .get(&format!(
            "/api/v1/registrations/{no}/files/{}",
            kept["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn thumbnails_are_made_once_served_like_originals_and_go_with_the_file() {
    let app = TestApp::new().await;
    let (client, no) = nurse(&app, "shanghai_hukou").await;
    let (_, file) = client
        .upload(&no, "3-1", fixtures::material(31), "id.jpg")
        .await;
    let id = file["id"].as_str().unwrap();
    let path = format!("/api/v1/registrations/{no}/files/{id}?size=thumb");
    let response = client.get(&path).await;
    assert_eq!(response.status(), StatusCode::OK);
    let h = response.headers().clone();
    assert_eq!(h["content-type"], "image/jpeg");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["content-security-policy"], "default-src 'none'; sandbox");
    let thumb = response.bytes().await.unwrap();
    let decoded = image::load_from_memory(&thumb).unwrap();
    assert_eq!(
        (decoded.width(), decoded.height()),
        (240, 320),
        "600×800 scaled to 320"
    );
    assert!(thumb.len() < fixtures::material(31).len());
    let stored = app.stored_keys("registrations").await;
    assert_eq!(stored.len(), 2, "original and thumbnail: {stored:?}");
    // Made once: the second answer is the kept thumbnail.
    assert_eq!(client.get(&path).await.bytes().await.unwrap(), thumb);

    // The reviewer of the point gets it too; others do not.
    let reviewer = app.staff("point-reviewer", &["310115"]).await;
    let response = reviewer
        .get(&format!(
            "/api/v1/staff/registrations/{no}/files/{id}?size=thumb"
        ))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.unwrap(), thumb);
    let stranger = app.candidate().await;
    assert_eq!(stranger.get(&path).await.status(), StatusCode::NOT_FOUND);

    // An unknown size is a 400 in the contract's shape.
    let (status, body) = client
        .get_json(&format!("/api/v1/registrations/{no}/files/{id}?size=huge"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["message"].as_str().unwrap().contains("huge"));

    // Deleting the file removes both.
    let (status, _) = send(
        &client,
        Method::DELETE,
        &format!("/api/v1/registrations/{no}/files/{id}"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(app.stored_keys("registrations").await.is_empty());

    // A thumbnail whose original is gone is collected; one whose original has
    // a row is kept.
    let (_, kept) = client
        .upload(&no, "3-1", fixtures::material(32), "id.jpg")
        .await;
    let kept_path = format!(
        "/api/v1/registrations/{no}/files/{}?size=thumb",
        kept["id"].as_str().unwrap()
    );
    assert_eq!(client.get(&kept_path).await.status(), StatusCode::OK);
    app.state
        .files
        .put_durable(
            "registrations/00000000-0000-0000-0000-000000000000/gone.thumb.jpg",
            bytes::Bytes::from_static(b"stray thumbnail"),
        )
        .await
        .unwrap();
    let removed = examreg_server::services::uploads::collect_orphans(&app.state, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(removed, 1);
    assert_eq!(app.stored_keys("registrations").await.len(), 2);
}
