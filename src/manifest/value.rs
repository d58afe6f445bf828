//! `Value`: any YAML node, accepted whatever its shape so validation can judge it and go on.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::manifest::located::Located;

/// A YAML node as written. Deserialising a `Value` never fails on shape: a list where a
/// string belongs is kept as a list, and validation reports it with every other problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    /// `~`, `null` or nothing at all.
    Null,
    /// A string as YAML read it: quotes removed, escapes applied.
    Text(String),
    /// A plain scalar YAML would type as a boolean or number (`3.10`, `yes`, `0o17`). The
    /// string is serde's rendering of the typed value; the exact text is in the source at
    /// the node's position, which is what stack uses (`3.10` must not become `3.1`).
    Literal(String),
    List(Vec<Located<Value>>),
    Map(Vec<(Located<Value>, Located<Value>)>),
}

/// What kind of node was found, for "expected a mapping, found a list".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    Nothing,
    Scalar,
    List,
    Map,
}

impl Shape {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Shape::Nothing => "nothing",
            Shape::Scalar => "a single value",
            Shape::List => "a list",
            Shape::Map => "a mapping",
        }
    }
}

impl Value {
    pub(crate) fn shape(&self) -> Shape {
        match self {
            Value::Null => Shape::Nothing,
            Value::Text(_) | Value::Literal(_) => Shape::Scalar,
            Value::List(_) => Shape::List,
            Value::Map(_) => Shape::Map,
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        Value::deserialize(deserializer)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Literal(v.to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Literal(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Literal(v.to_string()))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Literal(v.to_string()))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        Ok(Value::Literal(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Literal(v.to_string()))
    }

    fn visit_char<E: de::Error>(self, v: char) -> Result<Value, E> {
        Ok(Value::Text(v.to_string()))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Text(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::Text(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Text(String::from_utf8_lossy(v).into_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Value::Map(entries))
    }
}

/// Reads and discards the rest of a collection that has the wrong shape, so parsing goes on.
pub(crate) fn skip_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Fields of type `Value` say what they accept with `#[schemars(with = …)]`; this is the
/// fallback, any value at all.
impl JsonSchema for Value {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Value".into()
    }

    fn json_schema(_generator: &mut SchemaGenerator) -> Schema {
        json_schema!(true)
    }
}

#[cfg(test)]
mod tests {
    use super::Value;
    use crate::manifest::located::Located;

    fn parse(text: &str) -> Value {
        serde_saphyr::from_str::<Located<Value>>(text)
            .expect("valid yaml")
            .value
    }

    #[test]
    fn numbers_and_booleans_keep_their_place_for_the_literal_text() {
        let Value::Map(entries) = parse("version: 3.10\nflag: y\n") else {
            panic!("a map");
        };
        assert_eq!(entries[0].1.value, Value::Literal("3.1".to_string()));
        assert_eq!(entries[0].1.pos.bytes, Some((9, 4)));
        assert_eq!(entries[1].1.pos.bytes, Some((20, 1)));
    }

    #[test]
    fn any_shape_is_accepted() {
        assert_eq!(parse(""), Value::Null);
        let Value::List(items) = parse("[a, [b], {c: d}]") else {
            panic!("a list");
        };
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].value, Value::Text("a".to_string()));
    }
}
