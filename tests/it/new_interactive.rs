//! `stack new` on a terminal: it asks for the kind, language, framework and name, with
//! arrow keys and typed text, as a user at a terminal would answer. The terminal is a
//! pseudo-terminal from util-linux's `script`.

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use crate::common::Project;

const DOWN: &str = "\x1b[B";
const ENTER: &str = "\r";

/// `stack ARGS` on a pseudo-terminal; what it prints arrives on `output`.
struct Terminal {
    child: Child,
    input: ChildStdin,
    output: Receiver<Vec<u8>>,
    seen: String,
}

impl Terminal {
    fn start(project: &Project, args: &str) -> Terminal {
        let stack = assert_cmd::cargo::cargo_bin("stack");
        let mut child = Command::new("script")
            .args(["--quiet", "--flush", "--return", "--command"])
            .arg(format!("{} {args}", stack.display()))
            .arg("/dev/null")
            .current_dir(project.path())
            .env("NO_COLOR", "1")
            .env("TERM", "xterm")
            .env_remove("STACK_FILE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("util-linux's script runs (Debian: bsdutils)");
        let input = child.stdin.take().expect("stdin is piped");
        let mut stdout = child.stdout.take().expect("stdout is piped");
        let (send, output) = channel();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buffer) {
                if n == 0 || send.send(buffer[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Terminal {
            child,
            input,
            output,
            seen: String::new(),
        }
    }

    /// Waits until the screen shows `text` after what the last answer waited for, then
    /// types `keys`.
    fn answer(&mut self, text: &str, keys: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.seen.contains(text) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(bytes) => self.seen.push_str(&String::from_utf8_lossy(&bytes)),
                Err(_) => panic!("no `{text}` on the terminal; it showed:\n{}", self.seen),
            }
        }
        let end = self.seen.find(text).expect("seen") + text.len();
        self.seen = self.seen.split_off(end);
        self.input
            .write_all(keys.as_bytes())
            .expect("keys reach the terminal");
        self.input.flush().expect("keys are sent");
    }

    /// The rest of the output and the exit status.
    fn finish(mut self) -> (bool, String) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(bytes) => self.seen.push_str(&String::from_utf8_lossy(&bytes)),
                Err(_) => break,
            }
        }
        let status = self.child.wait().expect("script exits");
        (status.success(), self.seen)
    }
}

#[test]
fn stack_new_asks_kind_language_framework_and_name() {
    let project = Project::new();
    let mut terminal = Terminal::start(&project, "new");
    terminal.answer("What do you want to create?", ENTER);
    terminal.answer("Language", ENTER);
    terminal.answer("Framework", &format!("{DOWN}{ENTER}"));
    terminal.answer("Name of the service", &format!("Bad_Name{ENTER}"));
    // A name that would fail is refused on the spot, and asked again.
    terminal.answer("is not a valid service name", "");
    terminal.answer("Name of the service", &format!("shop-api{ENTER}"));
    let (success, output) = terminal.finish();
    assert!(success, "{output}");
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
    let mut terminal = Terminal::start(&project, "new");
    terminal.answer("What do you want to create?", &format!("{DOWN}{ENTER}"));
    // postgres, mysql, mariadb, redis: the fourth.
    terminal.answer("Recipe", &format!("{DOWN}{DOWN}{DOWN}{ENTER}"));
    // Its name is the default, and taken here: refused on the spot, then another.
    terminal.answer("Name of the service", ENTER);
    terminal.answer("service `redis` already exists", "");
    terminal.answer("Name of the service", &format!("cache{ENTER}"));
    let (success, output) = terminal.finish();
    assert!(success, "{output}");
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
