//! The multipart body of an upload: whatever the bytes, reading the `file` part answers
//! (the file, none, or a 400/413) without panicking, and never holds more than its cap.
#![no_main]

use axum::body::Body;
use axum::extract::{FromRequest, Multipart};
use axum::http::Request;
use libfuzzer_sys::fuzz_target;

const CAP: usize = 64 * 1024;

fuzz_target!(|bytes: &[u8]| {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let request = Request::post("/upload")
            .header(
                "content-type",
                "multipart/form-data; boundary=examreg-fuzz-boundary",
            )
            .body(Body::from(bytes.to_vec()))
            .unwrap();
        let Ok(multipart) = Multipart::from_request(request, &()).await else {
            return;
        };
        if let Ok(Some(file)) = examreg_server::web::extract::multipart_file(multipart, CAP).await {
            assert!(file.len() <= CAP);
        }
    });
});
