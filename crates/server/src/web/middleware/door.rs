//! The door: how many requests of each class are inside at once.
//!
//! Under a deadline rush beyond what the cores get through, requests that nobody turns
//! away pile up before the admission gates of their own work (hashing, image checks, the
//! database writer): an upload's body is read (up to 150 KB held each) before its check
//! is even asked for, and every queued request makes every admitted one slower. The door
//! bounds what is inside per class: uploads (multipart bodies, the expensive class) and
//! everything else. A request waits for a place at most `door_max_wait_ms`, then hears
//! 503 with `Retry-After` before a byte of its body is read; admitted requests keep their
//! pace however many more arrive.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::config::Config;
use crate::web::error::AppError;

/// The places of each class. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Door {
    uploads: Arc<Semaphore>,
    requests: Arc<Semaphore>,
    max_wait: Duration,
    /// The largest body read and dropped before a refusal (see [`admit`]).
    drain_cap: usize,
}

/// The class a request is admitted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// A file upload (a multipart body).
    Upload,
    /// Pages, forms, API calls.
    Request,
}

impl Class {
    fn of(request: &Request) -> Class {
        let multipart = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim_start()
                    .get(..19)
                    .is_some_and(|t| t.eq_ignore_ascii_case("multipart/form-data"))
            });
        if multipart {
            Class::Upload
        } else {
            Class::Request
        }
    }
}

impl Door {
    pub fn new(config: &Config) -> Door {
        Door {
            uploads: Arc::new(Semaphore::new(config.door.uploads_inside.max(1))),
            requests: Arc::new(Semaphore::new(config.door.requests_inside.max(1))),
            max_wait: Duration::from_millis(config.door.max_wait_ms),
            drain_cap: config.max_body_bytes.max(config.max_upload_body_bytes),
        }
    }

    fn places(&self, class: Class) -> &Arc<Semaphore> {
        match class {
            Class::Upload => &self.uploads,
            Class::Request => &self.requests,
        }
    }

    /// Takes every free place of `class` (for tests: a door already full); `None` if
    /// they changed meanwhile.
    pub fn fill(&self, class: Class) -> Option<tokio::sync::OwnedSemaphorePermit> {
        let places = self.places(class);
        let free = u32::try_from(places.available_permits()).unwrap_or(u32::MAX);
        Arc::clone(places).try_acquire_many_owned(free).ok()
    }
}

/// Admits the request in its class or answers 503 with `Retry-After`.
///
/// A refused request's body is read and dropped first (up to the largest body accepted,
/// for at most a few seconds): a server that answers before the client has sent its body
/// and then closes makes the client see a broken connection instead of the answer, and
/// a browser's upload then fails with a network error rather than "come back later".
pub async fn admit(State(door): State<Door>, request: Request, next: Next) -> Response {
    let places = Arc::clone(door.places(Class::of(&request)));
    let place = match places.clone().try_acquire_owned() {
        Ok(place) => place,
        Err(_) => match tokio::time::timeout(door.max_wait, places.acquire_owned()).await {
            Ok(Ok(place)) => place,
            _ => {
                metrics::counter!("examreg_door_turned_away_total").increment(1);
                drain(request.into_body(), door.drain_cap).await;
                return AppError::Busy.into_response();
            }
        },
    };
    let response = next.run(request).await;
    drop(place);
    response
}

/// Reads and drops `body`, up to `cap` bytes and for at most five seconds.
async fn drain(body: axum::body::Body, cap: usize) {
    use futures::StreamExt;
    let mut stream = body.into_data_stream();
    let mut seen = 0usize;
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(chunk)) = stream.next().await {
            seen = seen.saturating_add(chunk.len());
            if seen > cap {
                break;
            }
        }
    })
    .await;
}
