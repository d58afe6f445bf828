//! The one way stack sets up minijinja: Jinja's block trimming, trailing newlines kept, and
//! undefined variables as errors so a typo fails the tests instead of rendering nothing.

use minijinja::syntax::SyntaxConfig;
use minijinja::{Environment, UndefinedBehavior};

/// An environment holding `templates` (name, source), embedded in the binary.
pub(crate) fn environment<'a>(templates: &[(&'a str, &'a str)]) -> Environment<'a> {
    let mut env = Environment::new();
    env.set_syntax(
        SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .expect("the default delimiters are a valid syntax"),
    );
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    for (name, source) in templates {
        env.add_template(name, source)
            .expect("embedded templates are valid: the snapshot tests parse every one");
    }
    env
}
