//! `List<T>`: a sequence of typed items (a service's `watch:` rules), in file order.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::manifest::located::Located;
use crate::manifest::value::{Shape, Value};

/// Items with their positions; `Other` when the node is not a sequence, so validation can
/// say so instead of the parse failing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum List<T> {
    Items(Vec<Located<T>>),
    Other(Shape),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ListVisitor(PhantomData))
    }
}

struct ListVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
    type Value = List<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List<T>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(List::Items(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<List<T>, A::Error> {
        while map
            .next_entry::<Located<Value>, Located<Value>>()?
            .is_some()
        {}
        Ok(List::Other(Shape::Map))
    }

    fn visit_unit<E: de::Error>(self) -> Result<List<T>, E> {
        Ok(List::Items(Vec::new()))
    }

    fn visit_none<E: de::Error>(self) -> Result<List<T>, E> {
        Ok(List::Items(Vec::new()))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<List<T>, E> {
        Ok(List::Other(Shape::Scalar))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<List<T>, E> {
        Ok(List::Other(Shape::Scalar))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<List<T>, E> {
        Ok(List::Other(Shape::Scalar))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<List<T>, E> {
        Ok(List::Other(Shape::Scalar))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<List<T>, E> {
        Ok(List::Other(Shape::Scalar))
    }
}

impl<T: JsonSchema> JsonSchema for List<T> {
    fn schema_name() -> Cow<'static, str> {
        format!("List_of_{}", T::schema_name()).into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let item = generator.subschema_for::<T>();
        json_schema!({
            "type": "array",
            "items": item,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::List;
    use crate::manifest::value::{Shape, Value};

    #[test]
    fn items_keep_their_positions_and_other_shapes_are_kept() {
        let List::Items(items) = serde_saphyr::from_str::<List<Value>>("- a\n- b\n").expect("yaml")
        else {
            panic!("a list");
        };
        assert_eq!(items[1].value, Value::Text("b".to_string()));
        assert_eq!(items[1].pos.line, 2);
        let other = serde_saphyr::from_str::<List<Value>>("a: 1\n").expect("yaml");
        assert_eq!(other, List::Other(Shape::Map));
        let scalar = serde_saphyr::from_str::<List<Value>>("x").expect("yaml");
        assert_eq!(scalar, List::Other(Shape::Scalar));
    }
}
