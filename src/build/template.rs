//! The templates embedded in the binary and the one way stack sets up minijinja: Jinja's
//! block trimming, trailing newlines kept, and undefined variables as errors so a typo fails
//! the tests instead of rendering nothing.

use std::sync::LazyLock;

use include_dir::{Dir, include_dir};
use minijinja::syntax::SyntaxConfig;
use minijinja::{Environment, UndefinedBehavior, Value};

/// `templates/`, embedded so the binary is all a user installs: the top-level `*.j2`
/// (Dockerfiles, `.dockerignore`, the gateway) and `skeletons/`, which `stack new` reads.
pub(crate) static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");

/// Every top-level template, named by its file name (`python.Dockerfile.j2`), parsed once.
static LOADED: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = environment();
    for file in TEMPLATES.files() {
        let name = file
            .path()
            .to_str()
            .expect("template file names are ASCII: see templates/");
        if name.ends_with(".j2") {
            let source = file
                .contents_utf8()
                .expect("templates are UTF-8 text: the snapshot tests read every one");
            env.add_template(name, source)
                .expect("embedded templates are valid: the snapshot tests parse every one");
        }
    }
    env
});

/// An empty environment set up the stack way, for templates rendered one by one (the
/// skeletons).
pub(crate) fn environment() -> Environment<'static> {
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
    env
}

/// Renders `templates/<name>` with `ctx`.
pub(crate) fn render(name: &str, ctx: impl Into<Value>) -> Result<String, minijinja::Error> {
    LOADED.get_template(name)?.render(ctx)
}
