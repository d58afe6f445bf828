//! Typed objects to YAML text: every exported file goes through here, so none is written
//! by hand.

use serde::Serialize;

/// `value` as a YAML document, with a header comment saying where it came from.
pub(crate) fn document<T: Serialize>(value: &T, header: &str) -> String {
    let body = serde_saphyr::to_string(value)
        .expect("exported objects are plain data (maps, lists, strings, numbers)");
    let mut text = String::new();
    for line in header.lines() {
        text.push_str("# ");
        text.push_str(line);
        text.push('\n');
    }
    text.push_str(&body);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}
