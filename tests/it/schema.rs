//! `stack schema` and the committed stack.schema.json stay the same document.

use std::path::Path;

use crate::common::stack;

#[test]
fn the_committed_schema_matches_the_types() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = stack(root).arg("schema").output().expect("stack runs");
    assert!(output.status.success());
    let generated = String::from_utf8(output.stdout).expect("utf-8");
    let committed =
        std::fs::read_to_string(root.join("stack.schema.json")).expect("stack.schema.json exists");
    assert!(
        generated == committed,
        "stack.schema.json is out of date with the manifest types; \
         run `cargo run -- schema > stack.schema.json` and commit it"
    );
    let schema: serde_json::Value = serde_json::from_str(&generated).expect("the schema is JSON");
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    let service = &schema["definitions"]["Service"]["properties"];
    for field in [
        "path",
        "image",
        "port",
        "env",
        "env_file",
        "depends_on",
        "health",
        "task",
    ] {
        assert!(service[field].is_object(), "the schema documents `{field}`");
    }
}
