//! `stack new` on a terminal: it asks for the kind, language, framework and name, with
//! arrow keys and typed text, as a user at a terminal would answer. The terminal is a
//! pseudo-terminal from util-linux's `script`.

use crate::common::{Project, Terminal};

const DOWN: &str = "\x1b[B";
const ENTER: &str = "\r";

#[test]
fn stack_new_asks_kind_language_framework_and_name() {
    let project = Project::new();
    let mut terminal = Terminal::start(project.path(), "new");
    terminal.answer("What do you want to create?", ENTER);
    terminal.answer("Language", ENTER);
    terminal.answer("Framework", &format!("{DOWN}{ENTER}"));
    terminal.answer("Name of the service", &format!("Bad_Name{ENTER}"));
    // A name that would fail is refused on the spot, and asked again.
    terminal.answer("is not a valid service name", "");
    terminal.answer("Name of the service", &format!("shop-api{ENTER}"));
    let (code, output) = terminal.finish();
    assert_eq!(code, Some(0), "{output}");
    assert!(
        output.contains("created services/shop-api (python flask skeleton"),
        "{output}"
    );
    let manifest =
        std::fs::read_to_string(project.path().join("stack.yaml")).expect("stack.yaml written");
    assert!(
        manifest.contains("  shop-api:\n    path: services/shop-api\n    port: 5000\n"),
        "{manifest}"
    );
    assert!(project.path().join("services/shop-api/app.py").is_file());
}

#[test]
fn stack_new_offers_the_recipes_and_their_names() {
    let project = Project::new();
    project.file("stack.yaml", "services:\n  redis:\n    image: redis:7\n");
    let mut terminal = Terminal::start(project.path(), "new");
    terminal.answer("What do you want to create?", &format!("{DOWN}{ENTER}"));
    // postgres, mysql, mariadb, redis: the fourth.
    terminal.answer("Recipe", &format!("{DOWN}{DOWN}{DOWN}{ENTER}"));
    // Its name is the default, and taken here: refused on the spot, then another.
    terminal.answer("Name of the service", ENTER);
    terminal.answer("service `redis` already exists", "");
    terminal.answer("Name of the service", &format!("cache{ENTER}"));
    let (code, output) = terminal.finish();
    assert_eq!(code, Some(0), "{output}");
    assert!(
        output.contains("added service `cache` to stack.yaml: redis:7, port 6379"),
        "{output}"
    );
    let manifest =
        std::fs::read_to_string(project.path().join("stack.yaml")).expect("stack.yaml written");
    assert!(
        manifest.ends_with(
            "  cache:\n    image: redis:7\n    port: 6379\n    volumes: [\"cache-data:/data\"]\n    health: { redis: true }\n"
        ),
        "{manifest}"
    );
}
