//! The JSON Schema (draft-07) of stack.yaml, derived from the raw model. (stub)

/// The schema as pretty JSON.
pub fn schema_json() -> String {
    "{}".to_string()
}
