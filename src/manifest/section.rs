//! `Section<T>`: a mapping read into a raw struct, keeping unknown keys instead of failing.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::StringDeserializer;
use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess,
    Visitor,
};

use crate::manifest::located::Located;
use crate::manifest::value::{Shape, Value, skip_seq};

/// A YAML mapping deserialised into the raw struct `T`.
///
/// The keys `T` accepts are the ones serde derives from it, the same list schemars puts in
/// the schema, so the unknown-key check and `stack.schema.json` cannot drift apart. Unknown
/// keys are set aside with their positions rather than failing the whole parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Section<T> {
    Fields {
        value: T,
        /// Keys `T` has no field for, with their values, in file order: a Compose key such
        /// as `ports: ["8080:80"]` gets a hint made from its value.
        unknown: Vec<(Located<Value>, Located<Value>)>,
        /// The keys `T` accepts, for suggestions.
        known: &'static [&'static str],
    },
    /// Not a mapping at all.
    Other(Shape),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Section<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SectionVisitor(PhantomData))
    }
}

struct SectionVisitor<T>(PhantomData<T>);

impl<T> SectionVisitor<T> {
    fn other<E>(shape: Shape) -> Result<Section<T>, E> {
        Ok(Section::Other(shape))
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for SectionVisitor<T> {
    type Value = Section<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Section<T>, A::Error> {
        let mut unknown = Vec::new();
        let mut known: &'static [&'static str] = &[];
        let value = T::deserialize(KnownKeys {
            map,
            unknown: &mut unknown,
            known: &mut known,
        })?;
        Ok(Section::Fields {
            value,
            unknown,
            known,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Section<T>, A::Error> {
        skip_seq(seq)?;
        Self::other(Shape::List)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Section<T>, E> {
        Self::other(Shape::Nothing)
    }

    fn visit_none<E: de::Error>(self) -> Result<Section<T>, E> {
        Self::other(Shape::Nothing)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Section<T>, E> {
        Self::other(Shape::Scalar)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Section<T>, E> {
        Self::other(Shape::Scalar)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Section<T>, E> {
        Self::other(Shape::Scalar)
    }

    fn visit_i128<E: de::Error>(self, _: i128) -> Result<Section<T>, E> {
        Self::other(Shape::Scalar)
    }

    fn visit_u128<E: de::Error>(self, _: u128) -> Result<Section<T>, E> {
        Self::other(Shape::Scalar)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Section<T>, E> {
        Self::other(Shape::Scalar)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Section<T>, E> {
        Self::other(Shape::Scalar)
    }

    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Section<T>, E> {
        Self::other(Shape::Scalar)
    }
}

/// Hands `T`'s derived visitor only the keys it knows, and records the others.
///
/// serde calls `deserialize_struct` with the field names it derived; that list is the
/// source of truth for which keys are valid.
struct KnownKeys<'a, A> {
    map: A,
    unknown: &'a mut Vec<(Located<Value>, Located<Value>)>,
    known: &'a mut &'static [&'static str],
}

impl<'de, A: MapAccess<'de>> Deserializer<'de> for KnownKeys<'_, A> {
    type Error = A::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        *self.known = fields;
        visitor.visit_map(KnownKeysAccess {
            map: self.map,
            unknown: self.unknown,
            known: fields,
        })
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
        // Only structs are read through a Section; anything else sees no known keys.
        self.deserialize_struct("", &[], visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

struct KnownKeysAccess<'a, A> {
    map: A,
    unknown: &'a mut Vec<(Located<Value>, Located<Value>)>,
    known: &'static [&'static str],
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for KnownKeysAccess<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        while let Some(key) = self.map.next_key::<Located<Value>>()? {
            if let Value::Text(name) = &key.value
                && self.known.contains(&name.as_str())
            {
                let name: StringDeserializer<A::Error> = name.clone().into_deserializer();
                return seed.deserialize(name).map(Some);
            }
            let value = self.map.next_value::<Located<Value>>()?;
            self.unknown.push((key, value));
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

// A section is written exactly like its struct.
crate::manifest::schema::schema_of_inner!(Section);

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::Section;
    use crate::manifest::located::Located;
    use crate::manifest::value::{Shape, Value};

    #[derive(Debug, Default, PartialEq, Eq, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    struct Probe {
        port: Option<Located<Value>>,
        inner: Option<Located<Section<Inner>>>,
    }

    #[derive(Debug, Default, PartialEq, Eq, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    struct Inner {
        port: Option<Located<Value>>,
    }

    #[test]
    fn unknown_keys_are_kept_with_their_position_and_parsing_goes_on() {
        let text = "prot: 1\nport: 2\ninner:\n  nope: [x]\n  port: 3\n";
        let Section::Fields {
            value,
            unknown,
            known,
        } = serde_saphyr::from_str::<Section<Probe>>(text).expect("valid yaml")
        else {
            panic!("a mapping");
        };
        assert_eq!(known, &["port", "inner"][..]);
        assert_eq!(unknown.len(), 1);
        assert_eq!(unknown[0].0.value, Value::Text("prot".to_string()));
        assert_eq!((unknown[0].0.pos.line, unknown[0].0.pos.column), (1, 1));
        assert_eq!(value.port.map(|p| p.pos.line), Some(2));
        let inner = value.inner.expect("inner is present").value;
        let Section::Fields { value, unknown, .. } = inner else {
            panic!("a mapping");
        };
        assert_eq!((unknown[0].0.pos.line, unknown[0].0.pos.column), (4, 3));
        assert_eq!(value.port.map(|p| p.pos.line), Some(5));
    }

    #[test]
    fn a_list_where_a_mapping_belongs_is_kept_as_its_shape() {
        let parsed = serde_saphyr::from_str::<Probe>("inner: [a, b]\nport: 1\n").expect("yaml");
        let inner = parsed.inner.expect("inner is present");
        assert_eq!(inner.value, Section::Other(Shape::List));
        assert_eq!((inner.pos.line, inner.pos.column), (1, 8));
        assert!(parsed.port.is_some());
    }
}
