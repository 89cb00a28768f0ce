//! A JSON value that borrows its strings from the line it was read from.
//! A log line is read for a few dozen fields: building serde_json's owned
//! `Value` (a B-tree node and a `String` per key and per text) and then
//! dropping it was the largest cost of a JSON log line. Objects are plain
//! lists of pairs here; like serde_json, a repeated key reads as its last
//! value.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum JValue<'a> {
    Null,
    Bool(bool),
    Number(Number),
    /// Borrowed from the line unless it held escapes.
    String(Cow<'a, str>),
    Array(Vec<JValue<'a>>),
    Object(Object<'a>),
}

/// A JSON number as serde_json keeps it without `arbitrary_precision`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Number {
    /// Zero and above.
    PosInt(u64),
    /// Below zero.
    NegInt(i64),
    Float(f64),
}

impl Number {
    pub(crate) fn as_u64(self) -> Option<u64> {
        match self {
            Number::PosInt(n) => Some(n),
            Number::NegInt(_) | Number::Float(_) => None,
        }
    }

    pub(crate) fn as_f64(self) -> f64 {
        match self {
            Number::PosInt(n) => n as f64,
            Number::NegInt(n) => n as f64,
            Number::Float(f) => f,
        }
    }
}

impl fmt::Display for Number {
    /// Written as serde_json writes it (`1`, `-3`, `1.5`, `1e21`), so a
    /// number read as text (a numeric request id) reads the same as before.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Number::PosInt(n) => write!(f, "{n}"),
            Number::NegInt(n) => write!(f, "{n}"),
            Number::Float(x) => match serde_json::Number::from_f64(x) {
                Some(n) => write!(f, "{n}"),
                None => write!(f, "{x}"),
            },
        }
    }
}

/// A JSON object's members in the order written.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Object<'a>(Vec<(Cow<'a, str>, JValue<'a>)>);

impl<'a> Object<'a> {
    /// The value of `key`; the last one when the key is repeated.
    pub(crate) fn get(&self, key: &str) -> Option<&JValue<'a>> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub(crate) fn contains_key(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Members from the last written to the first: whoever keeps the first
    /// value seen for a key this way reads the last, as `get` does.
    pub(crate) fn iter_last_first(&self) -> impl Iterator<Item = (&str, &JValue<'a>)> {
        self.0.iter().rev().map(|(k, v)| (k.as_ref(), v))
    }

    /// Whether `value` is one of this object's own member values (by
    /// address): a key's later member shadows the earlier ones.
    pub(crate) fn holds(&self, value: &JValue<'a>) -> bool {
        let members = self.0.as_ptr_range();
        let at = value as *const JValue<'a> as usize;
        (members.start as usize..members.end as usize).contains(&at)
    }

    pub(crate) fn insert(&mut self, key: impl Into<Cow<'a, str>>, value: JValue<'a>) {
        self.0.push((key.into(), value));
    }
}

impl<'a> JValue<'a> {
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            JValue::String(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_object(&self) -> Option<&Object<'a>> {
        match self {
            JValue::Object(o) => Some(o),
            _ => None,
        }
    }

    pub(crate) fn as_f64(&self) -> Option<f64> {
        match self {
            JValue::Number(n) => Some(n.as_f64()),
            _ => None,
        }
    }

    pub(crate) fn is_null(&self) -> bool {
        matches!(self, JValue::Null)
    }
}

impl<'de> Deserialize<'de> for JValue<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = JValue<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<JValue<'de>, E> {
        Ok(JValue::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<JValue<'de>, E> {
        Ok(JValue::Number(match u64::try_from(n) {
            Ok(u) => Number::PosInt(u),
            Err(_) => Number::NegInt(n),
        }))
    }

    fn visit_u64<E>(self, n: u64) -> Result<JValue<'de>, E> {
        Ok(JValue::Number(Number::PosInt(n)))
    }

    fn visit_f64<E>(self, x: f64) -> Result<JValue<'de>, E> {
        // JSON text cannot spell NaN or infinity; serde_json reads them as null.
        Ok(if x.is_finite() {
            JValue::Number(Number::Float(x))
        } else {
            JValue::Null
        })
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<JValue<'de>, E> {
        Ok(JValue::String(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<JValue<'de>, E> {
        Ok(JValue::String(Cow::Owned(s.to_owned())))
    }

    fn visit_string<E>(self, s: String) -> Result<JValue<'de>, E> {
        Ok(JValue::String(Cow::Owned(s)))
    }

    fn visit_unit<E>(self) -> Result<JValue<'de>, E> {
        Ok(JValue::Null)
    }

    fn visit_none<E>(self) -> Result<JValue<'de>, E> {
        Ok(JValue::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<JValue<'de>, D::Error> {
        JValue::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<JValue<'de>, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element()? {
            items.push(v);
        }
        Ok(JValue::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JValue<'de>, A::Error> {
        // Room for a usual object at once: growing 4 -> 8 -> 16 was three
        // allocations per object of a log line.
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(8).min(64));
        while let Some(Key(k)) = map.next_key()? {
            members.push((k, map.next_value()?));
        }
        Ok(JValue::Object(Object(members)))
    }
}

/// An object key, borrowed when the line spells it without escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Parse one JSON document borrowing from `text`; `None` unless it is
/// exactly one JSON value (trailing text refused, as serde_json does).
pub(crate) fn from_str(text: &str) -> Option<JValue<'_>> {
    serde_json::from_str(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_serde_json_reads_and_borrows_plain_strings() {
        let line = r#"{"a": "plain", "b": "esc\"aped", "n": 401, "neg": -2, "f": 1.5, "big": 1e21,
            "t": true, "z": null, "arr": [1, "x"], "o": {"k": "v"}, "a": "last"}"#;
        let v = from_str(line).expect("valid JSON");
        let o = v.as_object().expect("an object");
        // A repeated key reads as its last value, as in serde_json's Map.
        assert_eq!(o.get("a").and_then(JValue::as_str), Some("last"));
        assert!(matches!(
            o.get("o")
                .and_then(|x| x.as_object())
                .and_then(|x| x.get("k")),
            Some(JValue::String(Cow::Borrowed("v")))
        ));
        assert!(matches!(o.get("b"), Some(JValue::String(Cow::Owned(s))) if s == "esc\"aped"));
        let num = |k: &str| match o.get(k) {
            Some(JValue::Number(n)) => *n,
            other => panic!("{k}: {other:?}"),
        };
        assert_eq!(num("n").as_u64(), Some(401));
        assert_eq!(num("neg").as_u64(), None);
        assert_eq!(num("f").as_f64(), 1.5);
        // Numbers print as serde_json prints them.
        let reference: serde_json::Value = serde_json::from_str(line).expect("valid JSON");
        for k in ["n", "neg", "f", "big"] {
            assert_eq!(num(k).to_string(), reference[k].to_string(), "{k}");
        }
        assert_eq!(o.get("t"), Some(&JValue::Bool(true)));
        assert!(o.get("z").is_some_and(JValue::is_null));
        assert!(matches!(o.get("arr"), Some(JValue::Array(a)) if a.len() == 2));
        assert_eq!(o.get("missing"), None);
    }

    #[test]
    fn refuses_what_serde_json_refuses() {
        for bad in ["{\"a\": 1} x", "{\"a\": }", "{", "", "[1,]"] {
            assert!(from_str(bad).is_none(), "{bad:?}");
        }
        // serde_json's nesting limit still holds: no stack overflow.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(from_str(&deep).is_none());
    }
}
