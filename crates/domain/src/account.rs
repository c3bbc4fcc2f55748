//! Accounts: who acts on the system.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A staff account's id: random, never sequential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StaffId(pub Uuid);

impl fmt::Display for StaffId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A candidate account's id: random, never sequential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CandidateId(pub Uuid);

impl fmt::Display for CandidateId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The two kinds of account: candidates register themselves; staff are created by an
/// operator or administrator. They sign in at different doors and never share sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountKind {
    Candidate,
    Staff,
}

impl AccountKind {
    pub fn key(self) -> &'static str {
        match self {
            AccountKind::Candidate => "candidate",
            AccountKind::Staff => "staff",
        }
    }

    pub fn from_key(key: &str) -> Option<AccountKind> {
        [AccountKind::Candidate, AccountKind::Staff]
            .into_iter()
            .find(|k| k.key() == key)
    }
}

/// Where a message to a person goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Sms,
    Email,
}

impl Channel {
    pub fn key(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
        }
    }

    pub fn from_key(key: &str) -> Option<Channel> {
        [Channel::Sms, Channel::Email]
            .into_iter()
            .find(|c| c.key() == key)
    }
}

/// A sign-in name: 3 to 32 characters of lowercase ASCII letters, digits, `_`, `.` and `-`,
/// starting with a letter or digit. Stored and compared in lowercase.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Username(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    #[error("用户名须为 3 到 32 个字符")]
    Length,
    #[error("用户名只能包含字母、数字、下划线、点和连字符，并以字母或数字开头")]
    Characters,
}

impl Username {
    pub fn parse(raw: &str) -> Result<Self, UsernameError> {
        let lower = raw.trim().to_ascii_lowercase();
        if !(3..=32).contains(&lower.len()) {
            return Err(UsernameError::Length);
        }
        let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b);
        let first_ok = lower
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric());
        if !first_ok || !lower.bytes().all(allowed) {
            return Err(UsernameError::Characters);
        }
        Ok(Self(lower))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password as typed, before hashing. Length is counted in characters.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("密码至少 {min} 个字符", min = Password::MIN_CHARS)]
    TooShort,
    #[error("密码不能超过 {max} 个字符", max = Password::MAX_CHARS)]
    TooLong,
    #[error("密码不能包含控制字符")]
    ControlCharacters,
    #[error("该密码过于常见，容易被猜中，请换一个")]
    TooCommon,
}

/// Passwords of 8+ characters that attackers try first (see `data/common-passwords.LICENSE`),
/// sorted, one per line, lower case.
const COMMON_PASSWORDS: &str = include_str!("../data/common-passwords.txt");

fn is_common(password: &str) -> bool {
    static SORTED: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    let sorted = SORTED.get_or_init(|| COMMON_PASSWORDS.lines().collect());
    sorted
        .binary_search(&password.to_lowercase().as_str())
        .is_ok()
}

impl Password {
    pub const MIN_CHARS: usize = 8;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, PasswordError> {
        let chars = raw.chars().count();
        if chars < Self::MIN_CHARS {
            Err(PasswordError::TooShort)
        } else if chars > Self::MAX_CHARS {
            Err(PasswordError::TooLong)
        } else if raw.chars().any(char::is_control) {
            Err(PasswordError::ControlCharacters)
        } else if is_common(raw) {
            Err(PasswordError::TooCommon)
        } else {
            Ok(Self(raw.to_owned()))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// What a staff member may do. Scope (which registration points) is separate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StaffRole {
    /// 报名点: confirms or returns registrations of their points.
    PointReviewer,
    /// 考区: qualification review across the exam area.
    AreaReviewer,
    /// Configuration, staff accounts, statistics.
    Admin,
}

impl StaffRole {
    pub const ALL: [StaffRole; 3] = [Self::PointReviewer, Self::AreaReviewer, Self::Admin];

    /// The name used on the command line and in storage.
    pub fn key(self) -> &'static str {
        match self {
            Self::PointReviewer => "point-reviewer",
            Self::AreaReviewer => "area-reviewer",
            Self::Admin => "admin",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::PointReviewer => "报名点审核员",
            Self::AreaReviewer => "考区审核员",
            Self::Admin => "管理员",
        }
    }

    /// A point reviewer works for named points; the others see the whole area.
    pub fn needs_points(self) -> bool {
        self == Self::PointReviewer
    }

    /// Finance: payment orders, flagged payments and refunds are the administrator's.
    pub fn handles_payments(self) -> bool {
        self == Self::Admin
    }
}

/// Which registrations a staff member may see and act on. Every staff query and
/// decision goes through [`StaffScope::covers`]; nothing else decides visibility.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffScope {
    /// A point reviewer: only registrations of these registration points.
    Points(Vec<String>),
    /// Area reviewers and administrators: the whole exam area.
    Area,
}

impl StaffScope {
    pub fn for_role(role: StaffRole, points: Vec<String>) -> StaffScope {
        if role.needs_points() {
            StaffScope::Points(points)
        } else {
            StaffScope::Area
        }
    }

    /// Whether a registration at `point` is visible.
    pub fn covers(&self, point: &str) -> bool {
        match self {
            StaffScope::Points(points) => points.iter().any(|p| p == point),
            StaffScope::Area => true,
        }
    }
}

/// Who did something, as the audit log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The system itself (scheduled jobs).
    System,
    /// An operator at the command line of the server.
    Operator,
    /// Someone not signed in.
    Anonymous,
    Candidate(CandidateId),
    Staff(StaffId),
}

impl Actor {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::System => "system",
            Self::Operator => "operator",
            Self::Anonymous => "anonymous",
            Self::Candidate(_) => "candidate",
            Self::Staff(_) => "staff",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lowercased_and_checked() {
        assert_eq!(
            Username::parse(" Reviewer.01 ").map(|u| u.0),
            Ok("reviewer.01".to_owned())
        );
        assert_eq!(Username::parse("ab"), Err(UsernameError::Length));
        assert_eq!(Username::parse(&"a".repeat(33)), Err(UsernameError::Length));
        assert_eq!(Username::parse("_admin"), Err(UsernameError::Characters));
        assert_eq!(Username::parse("张三丰"), Err(UsernameError::Characters));
        assert_eq!(Username::parse("a b c"), Err(UsernameError::Characters));
    }

    #[test]
    fn passwords_count_characters_not_bytes() {
        assert_eq!(Password::parse("短密码"), Err(PasswordError::TooShort));
        assert!(Password::parse("八个汉字的密码啊").is_ok());
        assert_eq!(
            Password::parse(&"x".repeat(129)),
            Err(PasswordError::TooLong)
        );
        assert_eq!(
            Password::parse("abcdefgh\u{0}"),
            Err(PasswordError::ControlCharacters)
        );
        assert_eq!(
            format!("{:?}", Password::parse("secret-words").ok()),
            "Some(Password(***))"
        );
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        for common in [
            "password",
            "PASSWORD1",
            "12345678",
            "qwertyuiop",
            "woaini1314",
            "1qaz2wsx",
        ] {
            assert_eq!(
                Password::parse(common),
                Err(PasswordError::TooCommon),
                "{common}"
            );
        }
        assert!(Password::parse("川流不息的长江水").is_ok());
        assert!(Password::parse("correct horse battery staple").is_ok());
    }

    #[test]
    fn the_common_list_is_sorted_for_binary_search() {
        let lines: Vec<_> = COMMON_PASSWORDS.lines().collect();
        assert!(lines.len() > 10_000);
        assert!(lines.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
    }

    #[test]
    fn a_point_reviewer_sees_only_their_points() {
        let pudong = StaffScope::for_role(StaffRole::PointReviewer, vec!["310115".to_owned()]);
        assert!(pudong.covers("310115"));
        assert!(!pudong.covers("310101"));
        assert!(!StaffScope::for_role(StaffRole::PointReviewer, vec![]).covers("310115"));
        let area = StaffScope::for_role(StaffRole::AreaReviewer, vec!["310115".to_owned()]);
        assert!(area.covers("310101"));
        assert!(StaffScope::for_role(StaffRole::Admin, vec![]).covers("310101"));
    }

    #[test]
    fn staff_roles_round_trip_their_keys() {
        for role in StaffRole::ALL {
            assert_eq!(StaffRole::from_key(role.key()), Some(role));
        }
        assert_eq!(StaffRole::from_key("root"), None);
        assert!(StaffRole::PointReviewer.needs_points());
        assert!(!StaffRole::Admin.needs_points());
    }
}
