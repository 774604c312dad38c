//! List envelopes and pagination info.
//!
//! V3 wraps lists differently per resource: a bare array (`/portals`,
//! `/projects`), an object with one list key and `page_info` (`{tasks, page_info}`), or
//! `page_info` as a one-element array (`milestones`). [`Page<T>`] reads all of them; the list
//! key comes from [`ListItem`]. [`Single<T>`] does the same for single-object answers that may
//! come wrapped (`{portal_details:{…}}`) or as a one-element array.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::Extra;
use super::de as lenient;

/// A type that Zoho returns in lists, and the keys it uses for them.
pub trait ListItem {
    /// Keys a list of these may come under, the canonical (serialized) one first, e.g.
    /// `["tasks"]`, `["milestones", "phases"]`.
    const LIST_KEYS: &'static [&'static str];
    /// Keys that may wrap a single one of these, e.g. `["portal_details"]`.
    const SINGLE_KEYS: &'static [&'static str] = &[];
}

/// V3 pagination info: `{page, per_page, has_next_page}`. Numbers may arrive as strings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PageInfo {
    /// The page number (1-based).
    #[serde(default, deserialize_with = "lenient::opt_u32")]
    pub page: Option<u32>,
    /// Rows per page.
    #[serde(default, deserialize_with = "lenient::opt_u32")]
    pub per_page: Option<u32>,
    /// Whether another page follows. Prefer [`has_next`](Self::has_next), which also reads
    /// `has_more_page`.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub has_next_page: Option<bool>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl PageInfo {
    /// `has_next_page`, or else `has_more_page` (used by one third-party schema, probably not
    /// the wire name, kept in `extra`).
    pub fn has_next(&self) -> Option<bool> {
        self.has_next_page.or_else(|| match self.extra.get("has_more_page")? {
            Value::Bool(b) => Some(*b),
            Value::String(s) => s.parse().ok(),
            _ => None,
        })
    }
}

/// `page_info` as an object or as an array holding that object (milestones).
pub(crate) fn page_info_field<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PageInfo>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        One(PageInfo),
        Many(Vec<PageInfo>),
    }
    Ok(match Option::<Raw>::deserialize(d)? {
        None => None,
        Some(Raw::One(p)) => Some(p),
        Some(Raw::Many(v)) => v.into_iter().next(),
    })
}

/// Deserialize helper: reads `page_info` in either form.
struct PageInfoField(Option<PageInfo>);

impl<'de> Deserialize<'de> for PageInfoField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        page_info_field(d).map(Self)
    }
}

/// One page of a list, whichever envelope it came in.
///
/// Deserializes from a bare JSON array, or from an object holding the list under one of
/// `T::LIST_KEYS` plus an optional `page_info` (object or one-element array); other
/// top-level keys (e.g. the restapi `login_id`) are kept in `extra`. Serializes as an
/// object under the canonical key.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// Pagination info, when the envelope had any.
    pub page_info: Option<PageInfo>,
    /// Other top-level keys, kept as received.
    pub extra: Extra,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Self { items: Vec::new(), page_info: None, extra: Extra::new() }
    }
}

impl<T> Page<T> {
    /// A page holding `items` and nothing else.
    pub fn new(items: Vec<T>) -> Self {
        Self { items, ..Self::default() }
    }

    /// Whether another page should be requested after this one, given the `per_page` that
    /// was asked for: `page_info.has_next_page` when present, otherwise (bare-array lists)
    /// "this page was full".
    pub fn has_next_page(&self, per_page: usize) -> bool {
        match self.page_info.as_ref().and_then(PageInfo::has_next) {
            Some(next) => next,
            None => per_page > 0 && self.items.len() >= per_page,
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the page has no rows.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Iterates over the rows.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }
}

impl<T> IntoIterator for Page<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a Page<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl<T: ListItem + Serialize> Serialize for Page<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let extra = self.extra.iter().filter(|(k, _)| k.as_str() != "page_info" && !T::LIST_KEYS.contains(&k.as_str()));
        let mut map = s.serialize_map(None)?;
        map.serialize_entry(T::LIST_KEYS[0], &self.items)?;
        if let Some(info) = &self.page_info {
            map.serialize_entry("page_info", info)?;
        }
        for (k, v) in extra {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de, T: ListItem + Deserialize<'de>> Deserialize<'de> for Page<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct PageVisitor<T>(PhantomData<T>);

        impl<'de, T: ListItem + Deserialize<'de>> Visitor<'de> for PageVisitor<T> {
            type Value = Page<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "an array, or an object with key `{}`", T::LIST_KEYS[0])
            }

            /// HTTP 204 (no content) is decoded from JSON `null`: an empty page.
            fn visit_unit<E: de::Error>(self) -> Result<Page<T>, E> {
                Ok(Page::new(Vec::new()))
            }

            fn visit_none<E: de::Error>(self) -> Result<Page<T>, E> {
                Ok(Page::new(Vec::new()))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Page<T>, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Page::new(items))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Page<T>, A::Error> {
                let mut items: Option<Vec<T>> = None;
                let mut page_info = None;
                let mut extra = Extra::new();
                while let Some(key) = map.next_key::<String>()? {
                    if T::LIST_KEYS.contains(&key.as_str()) {
                        if items.is_some() {
                            return Err(de::Error::custom(format!("more than one list key (`{key}`)")));
                        }
                        items = Some(map.next_value::<Option<Vec<T>>>()?.unwrap_or_default());
                    } else if key == "page_info" {
                        page_info = map.next_value::<PageInfoField>()?.0;
                    } else {
                        let value = map.next_value::<Value>()?;
                        extra.insert(key, value);
                    }
                }
                let items = items.ok_or_else(|| de::Error::missing_field(T::LIST_KEYS[0]))?;
                Ok(Page { items, page_info, extra })
            }
        }

        d.deserialize_any(PageVisitor(PhantomData))
    }
}

/// A single object that may come bare, wrapped under one of `T::SINGLE_KEYS` or
/// `T::LIST_KEYS` (`{portal_details:{…}}`, `{issues:[{…}]}`, restapi `{tasks:[{…}]}`), or
/// as a one-element array (V3 answers a comment POST with an array); of a longer array the
/// first element is taken. Serializes as the bare object.
#[derive(Debug, Clone, PartialEq)]
pub struct Single<T>(pub T);

impl<T> Single<T> {
    /// The object.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: Serialize> Serialize for Single<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de, T: ListItem + DeserializeOwned> Deserialize<'de> for Single<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        fn first<T: DeserializeOwned, E: de::Error>(v: Value) -> Result<T, E> {
            match v {
                Value::Array(a) => match a.into_iter().next() {
                    Some(v) => serde_json::from_value(v).map_err(E::custom),
                    None => Err(E::invalid_length(0, &"a one-element array")),
                },
                v => serde_json::from_value(v).map_err(E::custom),
            }
        }
        let value = Value::deserialize(d)?;
        // A one-key object is a wrapper only if the key is a known one and holds an object
        // or an array (so `{"comment": "<p>hi</p>"}` stays a comment).
        let wrapped = match &value {
            Value::Object(m) if m.len() == 1 => m.iter().next().is_some_and(|(k, v)| {
                (v.is_object() || v.is_array())
                    && (T::SINGLE_KEYS.contains(&k.as_str()) || T::LIST_KEYS.contains(&k.as_str()))
            }),
            _ => false,
        };
        let value = match value {
            Value::Object(m) if wrapped => m.into_iter().next().map(|(_, v)| v).unwrap_or_default(),
            v => v,
        };
        first(value).map(Single)
    }
}
