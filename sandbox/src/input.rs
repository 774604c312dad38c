//! Validation of V3 JSON bodies, in Zoho's order: required fields, unknown keys, values.

use chrono::{DateTime, NaiveDate};
use serde_json::{Map, Value};

use crate::api::ApiErr;

pub(crate) struct Body(pub(crate) Map<String, Value>);

pub(crate) fn id_of(v: &Value) -> Option<u64> {
    match v {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    for f in ["%Y-%m-%d", "%m-%d-%Y", "%m/%d/%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            return Some(d);
        }
    }
    None
}

impl Body {
    pub(crate) fn has(&self, k: &str) -> bool {
        self.0.contains_key(k)
    }

    /// Required keys must be present (and not null).
    pub(crate) fn require(&self, keys: &[&str]) -> Result<(), ApiErr> {
        for k in keys {
            match self.0.get(*k) {
                None | Some(Value::Null) => return Err(ApiErr::Missing((*k).to_owned())),
                _ => {}
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

    pub(crate) fn str_opt(&self, k: &str, max: usize) -> Result<Option<String>, ApiErr> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(None),
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

    pub(crate) fn enum_opt(&self, k: &str, allowed: &[&str]) -> Result<Option<String>, ApiErr> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => allowed
                .iter()
                .find(|a| a.eq_ignore_ascii_case(s))
                .map(|a| Some((*a).to_owned()))
                .ok_or_else(|| ApiErr::Invalid(k.to_owned())),
            _ => Err(ApiErr::Invalid(k.to_owned())),
        }
    }

    pub(crate) fn bool_opt(&self, k: &str) -> Result<Option<bool>, ApiErr> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s == "true" || s == "false" => Ok(Some(s == "true")),
            _ => Err(ApiErr::Invalid(k.to_owned())),
        }
    }

    pub(crate) fn u32_opt(&self, k: &str, max: u32) -> Result<Option<u32>, ApiErr> {
        let n = match self.0.get(k) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        match n {
            Some(n) if n <= u64::from(max) => Ok(Some(n as u32)),
            _ => Err(ApiErr::Invalid(k.to_owned())),
        }
    }

    /// `{"id": "…"}` (a bare id string is accepted too).
    pub(crate) fn ref_id(&self, k: &str, field: &str) -> Result<Option<u64>, ApiErr> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(o)) => {
                o.get(field).and_then(id_of).map(Some).ok_or_else(|| ApiErr::Invalid(k.to_owned()))
            }
            Some(v @ Value::String(_)) => id_of(v).map(Some).ok_or_else(|| ApiErr::Invalid(k.to_owned())),
            _ => Err(ApiErr::Invalid(k.to_owned())),
        }
    }

    pub(crate) fn id_opt(&self, k: &str) -> Result<Option<u64>, ApiErr> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => id_of(v).map(Some).ok_or_else(|| ApiErr::Invalid(k.to_owned())),
        }
    }

    pub(crate) fn date_opt(&self, k: &str) -> Result<Option<NaiveDate>, ApiErr> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => parse_date(s).map(Some).ok_or_else(|| ApiErr::Invalid(k.to_owned())),
            _ => Err(ApiErr::Invalid(k.to_owned())),
        }
    }

    /// ISO 8601 date-time (or a plain date) as epoch ms.
    pub(crate) fn datetime_opt(&self, k: &str) -> Result<Option<i64>, ApiErr> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => {
                if let Ok(d) = DateTime::parse_from_rfc3339(s) {
                    return Ok(Some(d.timestamp_millis()));
                }
                parse_date(s)
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|d| Some(d.and_utc().timestamp_millis()))
                    .ok_or_else(|| ApiErr::Invalid(k.to_owned()))
            }
            _ => Err(ApiErr::Invalid(k.to_owned())),
        }
    }

    /// `"HH:MM"` as minutes.
    pub(crate) fn hours_opt(&self, k: &str) -> Result<Option<u32>, ApiErr> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => {
                let (h, m) = s.split_once(':').unwrap_or((s.as_str(), "0"));
                match (h.trim().parse::<u32>(), m.trim().parse::<u32>()) {
                    (Ok(h), Ok(m)) if m < 60 && h <= 24 && h * 60 + m > 0 && h * 60 + m <= 24 * 60 => {
                        Ok(Some(h * 60 + m))
                    }
                    _ => Err(ApiErr::Invalid(k.to_owned())),
                }
            }
            _ => Err(ApiErr::Invalid(k.to_owned())),
        }
    }
}
