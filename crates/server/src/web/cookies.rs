//! The cookies examreg sets, and reading them back.
//!
//! All are HttpOnly and SameSite=Lax. Behind HTTPS they are also Secure and carry the
//! `__Host-` prefix, which browsers only accept from a secure origin for the whole host.

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use examreg_domain::account::AccountKind;

/// Which cookie and how it is named, with or without HTTPS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieName {
    Session(AccountKind),
    Csrf,
}

impl CookieName {
    pub fn name(self, https: bool) -> &'static str {
        match (self, https) {
            (CookieName::Session(AccountKind::Candidate), false) => "examreg_session",
            (CookieName::Session(AccountKind::Candidate), true) => "__Host-examreg_session",
            (CookieName::Session(AccountKind::Staff), false) => "examreg_staff_session",
            (CookieName::Session(AccountKind::Staff), true) => "__Host-examreg_staff_session",
            (CookieName::Csrf, false) => "examreg_csrf",
            (CookieName::Csrf, true) => "__Host-examreg_csrf",
        }
    }
}

/// The value of cookie `name`, if the request carries it once. A cookie sent twice (a
/// sign of cookie injection) counts as absent.
pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let mut found = None;
    for header in headers.get_all(COOKIE) {
        let Ok(text) = header.to_str() else { continue };
        for pair in text.split(';') {
            if let Some((key, value)) = pair.trim().split_once('=')
                && key == name
            {
                if found.is_some() {
                    return None;
                }
                found = Some(value);
            }
        }
    }
    found
}

/// Whether the request carries any cookie at all.
pub fn any(headers: &HeaderMap) -> bool {
    headers.contains_key(COOKIE)
}

/// Sets a cookie for the whole site. `max_age_secs: None` is a browser-session cookie.
pub fn set(
    headers: &mut HeaderMap,
    cookie: CookieName,
    value: &str,
    https: bool,
    max_age_secs: Option<i64>,
) {
    let mut text = format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Lax",
        cookie.name(https)
    );
    if https {
        text.push_str("; Secure");
    }
    if let Some(age) = max_age_secs {
        text.push_str(&format!("; Max-Age={age}"));
    }
    if let Ok(value) = HeaderValue::from_str(&text) {
        headers.append(SET_COOKIE, value);
    }
}

/// Tells the browser to forget a cookie.
pub fn clear(headers: &mut HeaderMap, cookie: CookieName, https: bool) {
    set(headers, cookie, "", https, Some(0));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_one_cookie_among_many() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("a=1; examreg_csrf=tok; b=2"),
        );
        assert_eq!(get(&headers, "examreg_csrf"), Some("tok"));
        assert_eq!(get(&headers, "examreg"), None);
    }

    #[test]
    fn a_duplicated_cookie_counts_as_absent() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("examreg_csrf=one"));
        headers.append(COOKIE, HeaderValue::from_static("examreg_csrf=two"));
        assert_eq!(get(&headers, "examreg_csrf"), None);
    }

    #[test]
    fn cookies_are_http_only_lax_and_secure_behind_https() {
        let mut headers = HeaderMap::new();
        set(
            &mut headers,
            CookieName::Session(AccountKind::Candidate),
            "v",
            true,
            None,
        );
        assert_eq!(
            headers[SET_COOKIE],
            "__Host-examreg_session=v; Path=/; HttpOnly; SameSite=Lax; Secure"
        );
        let mut headers = HeaderMap::new();
        clear(&mut headers, CookieName::Csrf, false);
        assert_eq!(
            headers[SET_COOKIE],
            "examreg_csrf=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
        );
    }
}
