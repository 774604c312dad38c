//! Tolerant serde helpers shared by the V3 and restapi models.
//!
//! Zoho is loose with scalar types (`"percent_complete": "59"` next to `56`, `"has_log_hours":
//! "false"`, `page` as a string or a number) and with date formats. These helpers accept every
//! variant seen and treat `null` and `""` as absent. They are used with
//! `#[serde(default, deserialize_with = "…")]` on `Option` fields.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use serde::Serializer;
use serde::de::{self, Deserializer, Unexpected, Visitor};
use std::fmt;

/// A scalar as Zoho may send it.
enum Scalar {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(String),
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON scalar (string, number, boolean or null)")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::U64(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::I64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::F64(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Str(v))
    }
}

fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
    d.deserialize_any(ScalarVisitor)
}

/// `Option<u32>` from a number or a numeric string.
pub(crate) fn opt_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    opt_u64(d)?
        .map(|n| u32::try_from(n).map_err(|_| de::Error::custom(format!("{n} is out of range for u32"))))
        .transpose()
}

/// `Option<u64>` from a non-negative number or a numeric string.
pub(crate) fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match scalar(d)? {
        Scalar::Null => Ok(None),
        Scalar::U64(n) => Ok(Some(n)),
        Scalar::Str(s) if s.trim().is_empty() => Ok(None),
        Scalar::Str(s) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| de::Error::invalid_value(Unexpected::Str(&s), &"a non-negative integer")),
        Scalar::I64(n) => Err(de::Error::invalid_value(Unexpected::Signed(n), &"a non-negative integer")),
        Scalar::F64(n) => Err(de::Error::invalid_value(Unexpected::Float(n), &"an integer")),
        Scalar::Bool(b) => Err(de::Error::invalid_type(Unexpected::Bool(b), &"an integer")),
    }
}

/// `Option<i64>` from a number or a numeric string.
#[cfg_attr(not(feature = "restapi"), allow(dead_code))] // used by the restapi models
pub(crate) fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match scalar(d)? {
        Scalar::Null => Ok(None),
        Scalar::I64(n) => Ok(Some(n)),
        Scalar::U64(n) => {
            i64::try_from(n).map(Some).map_err(|_| de::Error::custom(format!("{n} is out of range for i64")))
        }
        Scalar::Str(s) if s.trim().is_empty() => Ok(None),
        Scalar::Str(s) => {
            s.trim().parse().map(Some).map_err(|_| de::Error::invalid_value(Unexpected::Str(&s), &"an integer"))
        }
        Scalar::F64(n) => Err(de::Error::invalid_value(Unexpected::Float(n), &"an integer")),
        Scalar::Bool(b) => Err(de::Error::invalid_type(Unexpected::Bool(b), &"an integer")),
    }
}

/// `Option<f64>` from a number or a numeric string (for percentages and amounts, never ids).
pub(crate) fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    match scalar(d)? {
        Scalar::Null => Ok(None),
        Scalar::U64(n) => Ok(Some(n as f64)),
        Scalar::I64(n) => Ok(Some(n as f64)),
        Scalar::F64(n) => Ok(Some(n)),
        Scalar::Str(s) if s.trim().is_empty() => Ok(None),
        Scalar::Str(s) => {
            s.trim().parse().map(Some).map_err(|_| de::Error::invalid_value(Unexpected::Str(&s), &"a number"))
        }
        Scalar::Bool(b) => Err(de::Error::invalid_type(Unexpected::Bool(b), &"a number")),
    }
}

/// `Option<bool>` from a boolean or the strings `"true"`/`"false"` (any case).
pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match scalar(d)? {
        Scalar::Null => Ok(None),
        Scalar::Bool(b) => Ok(Some(b)),
        Scalar::Str(s) if s.trim().is_empty() => Ok(None),
        Scalar::Str(s) if s.trim().eq_ignore_ascii_case("true") => Ok(Some(true)),
        Scalar::Str(s) if s.trim().eq_ignore_ascii_case("false") => Ok(Some(false)),
        Scalar::Str(s) => Err(de::Error::invalid_value(Unexpected::Str(&s), &"a boolean")),
        Scalar::U64(n) => Err(de::Error::invalid_type(Unexpected::Unsigned(n), &"a boolean")),
        Scalar::I64(n) => Err(de::Error::invalid_type(Unexpected::Signed(n), &"a boolean")),
        Scalar::F64(n) => Err(de::Error::invalid_type(Unexpected::Float(n), &"a boolean")),
    }
}

/// `Option<String>` from a string, or a number/boolean rendered as text (`"4"` and `4`
/// both become `"4"`).
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match scalar(d)? {
        Scalar::Null => None,
        Scalar::Str(s) => Some(s),
        Scalar::Bool(b) => Some(b.to_string()),
        Scalar::U64(n) => Some(n.to_string()),
        Scalar::I64(n) => Some(n.to_string()),
        Scalar::F64(n) => Some(n.to_string()),
    })
}

/// Parses a calendar date in any format Zoho uses: `YYYY-MM-DD`, an ISO 8601 datetime (its
/// own date part), `MM-dd-yyyy`, `MM/dd/yyyy`, or those followed by a time.
pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(d);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.date_naive());
    }
    if let Ok(dt) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(dt.date());
    }
    // Month-first formats, optionally followed by a time we ignore.
    let head = s.split_whitespace().next().unwrap_or(s);
    NaiveDate::parse_from_str(head, "%m-%d-%Y").or_else(|_| NaiveDate::parse_from_str(head, "%m/%d/%Y")).ok()
}

/// Parses a UTC instant: RFC 3339 / ISO 8601 with offset (`2026-03-30T07:58:19.896Z`), an
/// ISO datetime without offset (taken as UTC), or a date alone (midnight UTC).
pub(crate) fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%.f%#z"] {
        if let Ok(dt) = DateTime::parse_from_str(s, fmt) {
            return Some(dt.with_timezone(&Utc));
        }
    }
    if let Ok(dt) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(dt.and_utc());
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|dt| dt.and_utc())
}

/// A UTC instant from epoch milliseconds (the restapi's `*_long` fields).
pub(crate) fn from_epoch_ms(ms: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_millis_opt(ms).single()
}

/// `Option<NaiveDate>` via [`parse_date`].
pub(crate) fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    match scalar(d)? {
        Scalar::Null => Ok(None),
        Scalar::Str(s) if s.trim().is_empty() => Ok(None),
        Scalar::Str(s) => {
            parse_date(&s).map(Some).ok_or_else(|| de::Error::invalid_value(Unexpected::Str(&s), &"a date"))
        }
        _ => Err(de::Error::custom("expected a date string")),
    }
}

/// `Option<DateTime<Utc>>` via [`parse_datetime`], or from epoch milliseconds.
pub(crate) fn opt_datetime<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    match scalar(d)? {
        Scalar::Null => Ok(None),
        Scalar::Str(s) if s.trim().is_empty() => Ok(None),
        // Epoch milliseconds sent as text.
        Scalar::Str(s) if s.len() >= 10 && s.bytes().all(|b| b.is_ascii_digit()) => s
            .parse::<i64>()
            .ok()
            .and_then(from_epoch_ms)
            .map(Some)
            .ok_or_else(|| de::Error::invalid_value(Unexpected::Str(&s), &"epoch milliseconds")),
        Scalar::Str(s) => parse_datetime(&s)
            .map(Some)
            .ok_or_else(|| de::Error::invalid_value(Unexpected::Str(&s), &"an ISO 8601 datetime")),
        Scalar::I64(ms) => {
            from_epoch_ms(ms).map(Some).ok_or_else(|| de::Error::custom("epoch milliseconds out of range"))
        }
        Scalar::U64(ms) => i64::try_from(ms)
            .ok()
            .and_then(from_epoch_ms)
            .map(Some)
            .ok_or_else(|| de::Error::custom("epoch milliseconds out of range")),
        _ => Err(de::Error::custom("expected an ISO 8601 datetime")),
    }
}

/// Serializes an `Option<DateTime<Utc>>` the way V3 request bodies want it:
/// `2026-07-22T00:00:00.000Z` (always milliseconds, `Z`). Used with `skip_serializing_if`.
pub(crate) fn ser_opt_datetime_ms<S: Serializer>(v: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(dt) => s.serialize_str(&dt.to_rfc3339_opts(SecondsFormat::Millis, true)),
        None => s.serialize_none(),
    }
}

/// Serializes an `Option<NaiveDate>` as month-first `MM-dd-yyyy` (phase dates).
pub(crate) fn ser_opt_date_us<S: Serializer>(v: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(d) => s.collect_str(&d.format("%m-%d-%Y")),
        None => s.serialize_none(),
    }
}
