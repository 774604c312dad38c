//! Validation of V3 JSON bodies, in Zoho's order: required fields, unknown keys, values.
//!
//! Strict as Zoho documents it (issue 15 item 5): enum values match exactly (case included),
//! references are `{ "id": … }` objects (a bare id is refused), dates come in the one documented
//! format per field (`YYYY-MM-DD` or an ISO 8601 date-time), and numbers and booleans are JSON
//! numbers and booleans, never strings. Every refusal is an [`ApiErr`] naming the field; nothing
//! here panics on any input. The helpers are small on purpose: a new endpoint validates its body
//! by calling them, one per field.

use chrono::{DateTime, NaiveDate};
use serde_json::{Map, Value};

use crate::api::ApiErr;

pub(crate) struct Body(pub(crate) Map<String, Value>);

/// An id: a JSON string of 1–19 ASCII digits (Zoho's form) or a JSON integer. Anything else
/// (spaces, signs, `"12abc"`, floats, ids beyond `u64`) is `None`.
pub(crate) fn id_of(v: &Value) -> Option<u64> {
    match v {
        Value::String(s) if (1..=19).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

/// The restapi's and the phases' dates: `YYYY-MM-DD`, `MM-dd-yyyy` or `MM/dd/yyyy` (the formats
/// the sources report for phases, V3.md §16; the restapi sends `MM-dd-yyyy`).
pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    if let Some(d) = parse_ymd(s) {
        return Some(d);
    }
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[2] == b[5]
        && (b[2] == b'-' || b[2] == b'/')
        && [0, 1, 3, 4, 6, 7, 8, 9].iter().all(|&i| b[i].is_ascii_digit());
    if !shape {
        return None;
    }
    let f = if b[2] == b'-' { "%m-%d-%Y" } else { "%m/%d/%Y" };
    NaiveDate::parse_from_str(s, f).ok()
}

/// Exactly `YYYY-MM-DD` (zero-padded, four-digit year), the V3 date of projects, issues and
/// time logs.
pub(crate) fn parse_ymd(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && [0, 1, 2, 3, 5, 6, 8, 9].iter().all(|&i| b[i].is_ascii_digit());
    if !shape {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// An ISO 8601 date-time with a time zone (`2026-07-22T00:00:00.000Z`), as epoch ms. A plain
/// date is `None`: V3 documents a date-time for task dates.
pub(crate) fn parse_datetime_ms(s: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(s).ok().map(|d| d.timestamp_millis())
}

impl Body {
    pub(crate) fn has(&self, k: &str) -> bool {
        self.0.contains_key(k)
    }

    fn get(&self, k: &str) -> Option<&Value> {
        self.0.get(k).filter(|v| !v.is_null())
    }

    /// Required keys must be present (and not null).
    pub(crate) fn require(&self, keys: &[&str]) -> Result<(), ApiErr> {
        for k in keys {
            if self.get(k).is_none() {
                return Err(ApiErr::Missing((*k).to_owned()));
            }
        }
        Ok(())
    }

    /// Every key must be `allowed` or silently `ignored`; keys in `refused` are a bad value.
    pub(crate) fn allow(&self, allowed: &[&str], ignored: &[&str], refused: &[&str]) -> Result<(), ApiErr> {
        for k in self.0.keys() {
            if refused.contains(&k.as_str()) {
                return Err(ApiErr::Invalid(k.clone()));
            }
            if !allowed.contains(&k.as_str()) && !ignored.contains(&k.as_str()) && !k.starts_with("cf_") {
                return Err(ApiErr::ExtraKey(k.clone()));
            }
        }
        Ok(())
    }

    /// A JSON string of at most `max` characters.
    pub(crate) fn str_opt(&self, k: &str, max: usize) -> Result<Option<String>, ApiErr> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::String(s)) if s.chars().count() <= max => Ok(Some(s.clone())),
            _ => Err(ApiErr::Invalid(k.to_owned())),
        }
    }

    /// A non-empty string.
    pub(crate) fn name_opt(&self, k: &str, max: usize) -> Result<Option<String>, ApiErr> {
        match self.str_opt(k, max)? {
            Some(s) if s.trim().is_empty() => Err(ApiErr::Invalid(k.to_owned())),
            other => Ok(other),
        }
    }

    /// One of `allowed`, spelled exactly (`"High"` is not `"high"`).
    pub(crate) fn enum_opt(&self, k: &str, allowed: &[&str]) -> Result<Option<String>, ApiErr> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::String(s)) if allowed.contains(&s.as_str()) => Ok(Some(s.clone())),
            _ => Err(ApiErr::Invalid(k.to_owned())),
        }
    }

    /// A JSON boolean (`"true"` is refused).
    pub(crate) fn bool_opt(&self, k: &str) -> Result<Option<bool>, ApiErr> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            _ => Err(ApiErr::Invalid(k.to_owned())),
        }
    }

    /// A JSON integer in `0..=max` (`"50"`, `50.5` and `-1` are refused).
    pub(crate) fn u32_opt(&self, k: &str, max: u32) -> Result<Option<u32>, ApiErr> {
        match self.get(k).map(|v| v.as_u64()) {
            None => Ok(None),
            Some(Some(n)) if n <= u64::from(max) => Ok(u32::try_from(n).ok()),
            Some(_) => Err(ApiErr::Invalid(k.to_owned())),
        }
    }

    /// A JSON object (any content; for settings blocks such as `budget_info`).
    pub(crate) fn obj_opt(&self, k: &str) -> Result<Option<&Map<String, Value>>, ApiErr> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::Object(o)) => Ok(Some(o)),
            _ => Err(ApiErr::Invalid(k.to_owned())),
        }
    }

    /// A JSON array (any content).
    pub(crate) fn arr_opt(&self, k: &str) -> Result<Option<&Vec<Value>>, ApiErr> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            _ => Err(ApiErr::Invalid(k.to_owned())),
        }
    }

    /// A nested reference `{"<field>": "<id>"}` (e.g. `tasklist: {id}`, `owner: {zpuid}`).
    /// A bare id is refused, and so is any other key inside the object.
    pub(crate) fn ref_id(&self, k: &str, field: &str) -> Result<Option<u64>, ApiErr> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => ref_of(v, field, k).map(Some),
        }
    }

    /// A list of references `[{"id": …}, …]` (e.g. `tags`).
    pub(crate) fn refs(&self, k: &str, field: &str) -> Result<Option<Vec<u64>>, ApiErr> {
        match self.arr_opt(k)? {
            None => Ok(None),
            Some(a) => a.iter().map(|v| ref_of(v, field, k)).collect::<Result<Vec<_>, _>>().map(Some),
        }
    }

    /// A flat id where Zoho documents one (`owner_zpuid`, `target_tasklist_id`).
    pub(crate) fn id_opt(&self, k: &str) -> Result<Option<u64>, ApiErr> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => id_of(v).map(Some).ok_or_else(|| ApiErr::Invalid(k.to_owned())),
        }
    }

    /// `YYYY-MM-DD` only (projects, issues, time logs).
    pub(crate) fn date_opt(&self, k: &str) -> Result<Option<NaiveDate>, ApiErr> {
        self.date_with(k, parse_ymd)
    }

    /// A phase date in any of the reported formats (see [`parse_date`]).
    pub(crate) fn phase_date_opt(&self, k: &str) -> Result<Option<NaiveDate>, ApiErr> {
        self.date_with(k, parse_date)
    }

    fn date_with(&self, k: &str, parse: fn(&str) -> Option<NaiveDate>) -> Result<Option<NaiveDate>, ApiErr> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => parse(s).map(Some).ok_or_else(|| ApiErr::Invalid(k.to_owned())),
            _ => Err(ApiErr::Invalid(k.to_owned())),
        }
    }

    /// An ISO 8601 date-time with a zone, as epoch ms (a date alone is refused).
    pub(crate) fn datetime_opt(&self, k: &str) -> Result<Option<i64>, ApiErr> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => parse_datetime_ms(s).map(Some).ok_or_else(|| ApiErr::Invalid(k.to_owned())),
            _ => Err(ApiErr::Invalid(k.to_owned())),
        }
    }

    /// `"HH:MM"` (or `"H:MM"`) as minutes, more than 0 and at most 24 hours.
    pub(crate) fn hours_opt(&self, k: &str) -> Result<Option<u32>, ApiErr> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => hhmm_minutes(s).map(Some).ok_or_else(|| ApiErr::Invalid(k.to_owned())),
            _ => Err(ApiErr::Invalid(k.to_owned())),
        }
    }
}

/// `{"<field>": id}` with no other key.
fn ref_of(v: &Value, field: &str, k: &str) -> Result<u64, ApiErr> {
    let Value::Object(o) = v else {
        return Err(ApiErr::Invalid(k.to_owned()));
    };
    if let Some(extra) = o.keys().find(|x| x.as_str() != field) {
        return Err(ApiErr::ExtraKey(extra.clone()));
    }
    o.get(field).and_then(id_of).ok_or_else(|| ApiErr::Invalid(k.to_owned()))
}

/// `H:MM` / `HH:MM` with two-digit minutes, `0:01` to `24:00`.
fn hhmm_minutes(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    if !(1..=2).contains(&h.len()) || m.len() != 2 || !digits(h) || !digits(m) {
        return None;
    }
    let (h, m) = (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
    let total = h * 60 + m;
    (m < 60 && total > 0 && total <= 24 * 60).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(v: Value) -> Body {
        match v {
            Value::Object(m) => Body(m),
            _ => unreachable!("test bodies are objects"),
        }
    }

    #[test]
    fn ids_are_digit_strings_or_integers() {
        assert_eq!(id_of(&json!("1817452000006072671")), Some(1_817_452_000_006_072_671));
        assert_eq!(id_of(&json!(42)), Some(42));
        for bad in
            [json!(" 42"), json!("+42"), json!("4e2"), json!(""), json!("99999999999999999999"), json!(4.2), json!(-1)]
        {
            assert_eq!(id_of(&bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_take_one_format_each() {
        assert!(parse_ymd("2026-03-30").is_some());
        for bad in ["03-30-2026", "03/30/2026", "2026-3-30", "+2026-03-30", "2026-02-30", "2026-03-30T00:00:00Z"] {
            assert!(parse_ymd(bad).is_none(), "{bad}");
        }
        assert!(parse_date("03-30-2026").is_some() && parse_date("03/30/2026").is_some());
        assert!(parse_date("03-30/2026").is_none());
        assert!(parse_datetime_ms("2026-07-22T00:00:00.000Z").is_some());
        assert!(parse_datetime_ms("2026-07-22").is_none());
    }

    #[test]
    fn hours_are_hh_mm() {
        assert_eq!(hhmm_minutes("1:30"), Some(90));
        assert_eq!(hhmm_minutes("24:00"), Some(1440));
        for bad in ["5", "1:3", "1:60", "24:01", "0:00", "-1:00", "١:٣٠", "100:00"] {
            assert_eq!(hhmm_minutes(bad), None, "{bad}");
        }
    }

    #[test]
    fn references_are_objects_with_one_key() {
        let b = body(json!({"a": {"id": "7"}, "b": "7", "c": {"id": "7", "name": "x"}, "d": {"zpuid": "7"}}));
        assert_eq!(b.ref_id("a", "id").ok(), Some(Some(7)));
        assert!(matches!(b.ref_id("b", "id"), Err(ApiErr::Invalid(f)) if f == "b"));
        assert!(matches!(b.ref_id("c", "id"), Err(ApiErr::ExtraKey(f)) if f == "name"));
        assert!(matches!(b.ref_id("d", "id"), Err(ApiErr::ExtraKey(f)) if f == "zpuid"));
    }

    #[test]
    fn scalars_keep_their_json_types() {
        let b = body(
            json!({"e": "High", "t": "true", "n": "50", "f": 50.5, "u": "ＨＩＧＨ", "big": 18446744073709551615u64}),
        );
        assert!(b.enum_opt("e", &["high"]).is_err());
        assert!(b.enum_opt("u", &["high"]).is_err());
        assert!(b.bool_opt("t").is_err());
        assert!(b.u32_opt("n", 100).is_err());
        assert!(b.u32_opt("f", 100).is_err());
        assert!(b.u32_opt("big", 100).is_err());
    }
}
