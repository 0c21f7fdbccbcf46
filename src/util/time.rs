//! Time: the clock, the one date format every output uses, and `--at`
//! parsing. Unix seconds throughout.

/// Now, in Unix seconds (0 if the clock is before 1970).
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `2027-03-01 09:00:00 UTC`: the format of every date trustfix prints
/// (text and JSON alike); the bare number if out of range.
pub fn fmt_date(ts: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ts)
        .map(|t| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        })
        .unwrap_or_else(|_| ts.to_string())
}

/// Why a `--at` value is not a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeError {
    /// Neither an RFC 3339 time nor a date; holds the value as given.
    Unrecognized(String),
}

impl std::fmt::Display for TimeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TimeError::Unrecognized(s) => write!(
                f,
                "'{s}': expected an RFC 3339 time (2027-03-01T09:00:00Z) or a date (2027-03-01)"
            ),
        }
    }
}

impl std::error::Error for TimeError {}

/// An RFC 3339 time or a date (midnight UTC), as Unix seconds.
pub fn parse_time(s: &str) -> Result<i64, TimeError> {
    use time::format_description::well_known::Rfc3339;
    let t = s.trim();
    if let Ok(dt) = time::OffsetDateTime::parse(t, &Rfc3339) {
        return Ok(dt.unix_timestamp());
    }
    let d = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(t, d) {
        Ok(date) => Ok(date.midnight().assume_utc().unix_timestamp()),
        Err(_) => Err(TimeError::Unrecognized(s.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_through_the_one_format() {
        let t = parse_time("2027-03-01T09:00:00Z").expect("rfc3339");
        assert_eq!(fmt_date(t), "2027-03-01 09:00:00 UTC");
        assert_eq!(
            parse_time("2027-03-01").map(fmt_date).as_deref(),
            Ok("2027-03-01 00:00:00 UTC")
        );
        assert!(parse_time("yesterday").is_err());
        assert_eq!(fmt_date(i64::MAX), i64::MAX.to_string());
    }
}
