//! Who is signed in. A handler that needs a candidate takes [`CurrentCandidate`]; one that
//! needs staff takes [`CurrentStaff`]. Without a valid session a page redirects to its
//! sign-in page and the API answers 401.

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use examreg_domain::account::{AccountKind, CandidateId, StaffId, StaffRole, StaffScope};
use uuid::Uuid;

use crate::secrets::sha256_hex;
use crate::services::accounts::session::{active_staff, authenticate};
use crate::state::AppState;
use crate::web::cookies::{self, CookieName};
use crate::web::error::AppError;
use crate::web::urls;

/// How the session token came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Cookie,
    Bearer,
}

/// A valid session.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub kind: AccountKind,
    pub account_id: Uuid,
    pub id_hash: String,
    pub csrf_token: String,
    pub via: Via,
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The session of `kind` this request carries, if it is valid now.
pub async fn load(
    parts: &Parts,
    app: &AppState,
    kind: AccountKind,
) -> Result<Option<SignedIn>, AppError> {
    let (token, via) = match bearer(parts) {
        Some(token) => (token, Via::Bearer),
        None => match cookies::get(
            &parts.headers,
            CookieName::Session(kind).name(app.config.https),
        ) {
            Some(token) => (token, Via::Cookie),
            None => return Ok(None),
        },
    };
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    let id_hash = sha256_hex(token);
    let Some(session) = authenticate(app, kind, &id_hash).await? else {
        return Ok(None);
    };
    Ok(Some(SignedIn {
        kind,
        account_id: session.account_id,
        id_hash,
        csrf_token: session.csrf_token,
        via,
    }))
}

/// What happens without a session: pages go to the sign-in page, the API says 401.
#[derive(Debug)]
pub enum AuthRejection {
    SignIn(&'static str),
    Error(AppError),
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match self {
            AuthRejection::SignIn(page) => Redirect::to(page).into_response(),
            AuthRejection::Error(err) => err.into_response(),
        }
    }
}

fn missing(parts: &Parts, sign_in_page: &'static str) -> AuthRejection {
    // Nested routers see a shortened path; the original one tells API from pages.
    let path = parts
        .extensions
        .get::<OriginalUri>()
        .map_or(parts.uri.path(), |uri| uri.0.path());
    if path.starts_with("/api/") {
        AuthRejection::Error(AppError::Unauthorized)
    } else {
        AuthRejection::SignIn(sign_in_page)
    }
}

/// A signed-in candidate.
#[derive(Debug, Clone)]
pub struct CurrentCandidate {
    pub id: CandidateId,
    pub session: SignedIn,
}

impl FromRequestParts<AppState> for CurrentCandidate {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match load(parts, app, AccountKind::Candidate)
            .await
            .map_err(AuthRejection::Error)?
        {
            Some(session) => Ok(CurrentCandidate {
                id: CandidateId(session.account_id),
                session,
            }),
            None => Err(missing(parts, urls::SIGN_IN)),
        }
    }
}

/// A candidate, if one is signed in (pages that show something either way).
#[derive(Debug, Clone)]
pub struct MaybeCandidate(pub Option<CurrentCandidate>);

impl FromRequestParts<AppState> for MaybeCandidate {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = load(parts, app, AccountKind::Candidate).await?;
        Ok(MaybeCandidate(session.map(|s| CurrentCandidate {
            id: CandidateId(s.account_id),
            session: s,
        })))
    }
}

/// A signed-in staff member with their role and scope, read fresh on every request so
/// that a changed or disabled account takes effect at once.
#[derive(Debug, Clone)]
pub struct CurrentStaff {
    pub id: StaffId,
    pub username: String,
    pub role: StaffRole,
    pub scope: StaffScope,
    pub session: SignedIn,
}

impl CurrentStaff {
    /// The signed-in staff member as the review services see them.
    pub fn reviewer(&self) -> crate::services::review::Reviewer {
        crate::services::review::Reviewer {
            id: self.id,
            role: self.role,
            scope: self.scope.clone(),
        }
    }
}

impl FromRequestParts<AppState> for CurrentStaff {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(session) = load(parts, app, AccountKind::Staff)
            .await
            .map_err(AuthRejection::Error)?
        else {
            // A signed-in candidate knocking on a staff door is refused, not asked to sign in.
            let candidate = load(parts, app, AccountKind::Candidate)
                .await
                .map_err(AuthRejection::Error)?;
            if candidate.is_some() {
                return Err(AuthRejection::Error(AppError::Forbidden {
                    code: "forbidden",
                    message: "此功能仅供工作人员使用".into(),
                }));
            }
            return Err(missing(parts, urls::STAFF));
        };
        let account = active_staff(app, StaffId(session.account_id))
            .await
            .map_err(|e| AuthRejection::Error(e.into()))?;
        match account {
            Some(account) => Ok(CurrentStaff {
                id: account.id,
                username: account.username,
                role: account.role,
                scope: StaffScope::for_role(account.role, account.points),
                session,
            }),
            None => Err(missing(parts, urls::STAFF)),
        }
    }
}
