//! How instants and dates read on a Chinese page: always China Standard Time.

use examreg_domain::clock::CHINA_STANDARD_TIME;
use time::{Date, OffsetDateTime};

/// `2024年12月11日 17:00`.
pub fn date_time(at: OffsetDateTime) -> String {
    let local = at.to_offset(CHINA_STANDARD_TIME);
    format!(
        "{}年{}月{}日 {:02}:{:02}",
        local.year(),
        u8::from(local.month()),
        local.day(),
        local.hour(),
        local.minute()
    )
}

/// `2024年12月31日`.
pub fn date(d: Date) -> String {
    format!("{}年{}月{}日", d.year(), u8::from(d.month()), d.day())
}

/// RFC 3339 in China Standard Time (`2024-12-11T17:00:00+08:00`), for the API.
pub fn rfc3339(at: OffsetDateTime) -> String {
    at.to_offset(CHINA_STANDARD_TIME)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    #[test]
    fn instants_read_in_china_standard_time() {
        assert_eq!(
            date_time(datetime!(2024-12-11 09:00 UTC)),
            "2024年12月11日 17:00"
        );
        assert_eq!(
            rfc3339(datetime!(2024-12-11 09:00 UTC)),
            "2024-12-11T17:00:00+08:00"
        );
        assert_eq!(date(date!(2024 - 12 - 31)), "2024年12月31日");
    }
}
