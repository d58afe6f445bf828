//! `Table<V>`: a mapping from names the user chooses (services) to typed values, in file order.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::manifest::located::Located;
use crate::manifest::value::{Shape, Value, skip_seq};

/// Named entries with their key positions; `Other` when the node is not a mapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Table<V> {
    Entries(Vec<(Located<Value>, Located<V>)>),
    Other(Shape),
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Table<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TableVisitor(PhantomData))
    }
}

struct TableVisitor<V>(PhantomData<V>);

impl<'de, V: Deserialize<'de>> Visitor<'de> for TableVisitor<V> {
    type Value = Table<V>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Table<V>, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Table::Entries(entries))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Table<V>, A::Error> {
        skip_seq(seq)?;
        Ok(Table::Other(Shape::List))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Table<V>, E> {
        Ok(Table::Other(Shape::Nothing))
    }

    fn visit_none<E: de::Error>(self) -> Result<Table<V>, E> {
        Ok(Table::Other(Shape::Nothing))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Table<V>, E> {
        Ok(Table::Other(Shape::Scalar))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Table<V>, E> {
        Ok(Table::Other(Shape::Scalar))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Table<V>, E> {
        Ok(Table::Other(Shape::Scalar))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Table<V>, E> {
        Ok(Table::Other(Shape::Scalar))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Table<V>, E> {
        Ok(Table::Other(Shape::Scalar))
    }
}

impl<V: JsonSchema> JsonSchema for Table<V> {
    fn schema_name() -> Cow<'static, str> {
        format!("Table_of_{}", V::schema_name()).into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let value = generator.subschema_for::<V>();
        json_schema!({
            "type": "object",
            "additionalProperties": value,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Table;
    use crate::manifest::value::{Shape, Value};

    #[test]
    fn entries_keep_file_order_and_key_positions() {
        let Table::Entries(entries) =
            serde_saphyr::from_str::<Table<Value>>("b: 1\na: 2\n").expect("yaml")
        else {
            panic!("a mapping");
        };
        assert_eq!(entries[0].0.value, Value::Text("b".to_string()));
        assert_eq!(entries[1].0.pos.line, 2);
    }

    #[test]
    fn other_shapes_are_kept() {
        let table = serde_saphyr::from_str::<Table<Value>>("[x]").expect("yaml");
        assert_eq!(table, Table::Other(Shape::List));
    }
}
