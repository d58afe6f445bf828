//! A value read from stack.yaml together with where it was written, so problems can point at it.

use std::cell::Cell;

use serde::{Deserialize, Deserializer};
use serde_saphyr::Spanned;

/// Where a node sits in the manifest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Pos {
    /// Which of the loaded files (`-f` files in order, the override file last) it is in.
    pub(crate) file: usize,
    /// 1-based line; 0 when unknown.
    pub(crate) line: usize,
    /// 1-based column, in characters.
    pub(crate) column: usize,
    /// Length of the node's first token in characters; 0 for collections.
    pub(crate) width: usize,
    /// Byte range of the node's text where it is defined (the anchor, for an alias), so
    /// scalars YAML would type as numbers or booleans can be read back exactly as written.
    pub(crate) bytes: Option<(usize, usize)>,
}

impl Pos {
    /// No place in the file: problems with the file as a whole.
    pub(crate) const NOWHERE: Pos = Pos {
        file: 0,
        line: 0,
        column: 0,
        width: 0,
        bytes: None,
    };
}

/// A value and its position. Deserialises through serde-saphyr's `Spanned`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Located<T> {
    pub(crate) value: T,
    pub(crate) pos: Pos,
}

impl<T> Located<T> {
    pub(crate) fn new(value: T, pos: Pos) -> Located<T> {
        Located { value, pos }
    }
}

thread_local! {
    /// The file being parsed, stamped on every position. serde's derives cannot pass
    /// context down to a field, and a second pass over the raw model to stamp it would have
    /// to know every field.
    static PARSING: Cell<usize> = const { Cell::new(0) };
}

/// Runs `parse` with every position it reads stamped as being in loaded file `file`.
pub(crate) fn stamped<R>(file: usize, parse: impl FnOnce() -> R) -> R {
    let outer = PARSING.replace(file);
    let parsed = parse();
    PARSING.set(outer);
    parsed
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Located<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<T>::deserialize(deserializer)?;
        let referenced = spanned.referenced;
        let defined = spanned.defined.span();
        let bytes = match (defined.byte_offset(), defined.byte_len()) {
            (Some(offset), Some(len)) => Some((to_usize(offset), to_usize(len))),
            _ => None,
        };
        Ok(Located {
            value: spanned.value,
            pos: Pos {
                file: PARSING.get(),
                line: to_usize(referenced.line()),
                column: to_usize(referenced.column()),
                width: to_usize(referenced.span().len()),
                bytes,
            },
        })
    }
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

// The location is invisible in the schema: a `Located<T>` is written exactly like a `T`.
crate::manifest::schema::schema_of_inner!(Located);

#[cfg(test)]
mod tests {
    use super::Located;

    #[test]
    fn positions_are_one_based_and_point_at_the_value() {
        let parsed: std::collections::BTreeMap<String, Located<String>> =
            serde_saphyr::from_str("name: demo\nother:   'x y'\n").expect("valid yaml");
        let name = &parsed["name"].pos;
        assert_eq!((name.line, name.column, name.width), (1, 7, 4));
        let other = &parsed["other"].pos;
        // Quoted scalars are underlined with their quotes, as written.
        assert_eq!((other.line, other.column, other.width), (2, 10, 5));
        assert_eq!(other.bytes, Some((20, 5)));
    }
}
