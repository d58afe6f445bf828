//! `exec` and `run` as a person at a terminal and a script with a pipe use them: piped
//! stdin reaches the command and its end ends the command's input (a SQL dump restored
//! with psql); on a terminal (a pseudo-terminal from util-linux's `script`, as
//! `new_interactive.rs` drives `stack new`) a shell runs with a TTY, Ctrl-C goes to the
//! container, and the shell's exit code is stack's.

use std::time::{Duration, Instant};

use crate::common::{BUSYBOX, LiveProject, Output, Terminal, docker, require_engine};

const DUMP: &str = "\
CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL);
INSERT INTO items VALUES (1, 'apple'), (2, 'pear'), (3, 'plum');
";

#[test]
fn exec_with_piped_stdin_restores_a_sql_dump_into_postgres() {
    require_engine!();
    let manifest = "services:\n  db:\n    image: postgres:15\n    env: { POSTGRES_PASSWORD: secret }\n    port: 5432\n    health: { cmd: \"pg_isready -U postgres -h 127.0.0.1\", timeout: 60s }\n";
    let live = LiveProject::new("psql", manifest);
    live.up();
    // psql reads to the end of its input: it returns only if that end reaches it.
    let psql = |stdin: &str| {
        Output::of(
            live.stack()
                .args([
                    "exec",
                    "-T",
                    "db",
                    "psql",
                    "-U",
                    "postgres",
                    "-v",
                    "ON_ERROR_STOP=1",
                ])
                .write_stdin(stdin),
        )
    };
    let restored = psql(DUMP);
    assert_eq!(restored.code, 0, "{}", restored.normalized());
    assert_eq!(restored.stdout, "CREATE TABLE\nINSERT 0 3\n");

    // A query in another exec sees the rows.
    let query = live
        .run([
            "exec",
            "db",
            "psql",
            "-U",
            "postgres",
            "-tAc",
            "SELECT string_agg(name, ',' ORDER BY id) FROM items",
        ])
        .success();
    assert_eq!(query.stdout, "apple,pear,plum\n");

    // A failing statement: psql's own exit code (3 with ON_ERROR_STOP), its message.
    let failed = psql("INSERT INTO items VALUES (1, 'again');\n");
    assert_eq!(failed.code, 3, "{}", failed.normalized());
    assert!(
        failed
            .stderr
            .contains("duplicate key value violates unique constraint"),
        "{}",
        failed.stderr
    );
}

/// `stty -a` on `screen` shows a terminal in its usual mode: lines, echo, signals.
fn assert_cooked(screen: &str) {
    let modes = screen
        .lines()
        .find(|line| line.contains("icanon"))
        .unwrap_or_else(|| panic!("no `stty -a` on the terminal:\n{screen}"));
    for mode in ["icanon", "echo", "isig"] {
        assert!(
            modes.split_whitespace().any(|m| m == mode),
            "`{mode}` is off after stack: {modes}"
        );
    }
}

#[test]
fn exec_and_run_on_a_terminal_run_an_interactive_shell() {
    require_engine!();
    let manifest = format!(
        "services:\n  box:\n    image: {BUSYBOX}\n    command: httpd -f -p 8080\n    port: 8080\n"
    );
    let live = LiveProject::new("tty", &manifest);
    live.up();
    for args in ["exec box sh", "run --rm --progress plain box sh"] {
        // After stack, the terminal's mode: stack put it back as it found it.
        let line = format!("\"$STACK\" {args}; code=$?; stty -a; exit $code");
        let mut terminal = Terminal::shell(live.project.path(), &line);
        // A TTY: `tty` names it, and what is typed is echoed by the container's terminal.
        terminal.expect("# ");
        terminal.type_keys("tty; echo sum=$((6*7))\r");
        terminal.expect("/dev/pts/");
        terminal.expect("sum=42");
        // Ctrl-C is a key for the container: it stops `sleep`, not stack.
        terminal.type_keys("sleep 30\r");
        std::thread::sleep(Duration::from_millis(500));
        let before = Instant::now();
        terminal.type_keys("\x03");
        // Its output, not the echo of what was typed (which comes at once).
        terminal.type_keys("echo still-$((1+1))\r");
        terminal.expect("still-2");
        assert!(
            before.elapsed() < Duration::from_secs(20),
            "sleep was stopped"
        );
        terminal.type_keys("exit 7\r");
        let (code, screen) = terminal.finish();
        assert_eq!(code, Some(7), "`{args}`: the shell's exit code\n{screen}");
        assert_cooked(&screen);
    }
    // `-T` on a terminal: no TTY, and the keyboard is left to the shell (stack does not
    // read it), so `cat` sees no input and ends at once.
    let mut terminal = Terminal::shell(
        live.project.path(),
        "\"$STACK\" exec -T box cat; echo cat-ended-$?",
    );
    terminal.expect("cat-ended-0");
    assert_eq!(terminal.finish().0, Some(0));
    // A signal from elsewhere ends the session (143 for SIGTERM), terminal put back too.
    let line = "(sleep 3; kill -TERM \"$(cat stack.pid)\") & sh -c 'echo $$ > stack.pid; exec \"$STACK\" exec box sh'; code=$?; stty -a; exit $code";
    let mut terminal = Terminal::shell(live.project.path(), line);
    terminal.expect("# ");
    let (code, screen) = terminal.finish();
    assert_eq!(code, Some(143), "{screen}");
    assert_cooked(&screen);
    // The one-off container of `run --rm` is gone.
    let filter = format!("label=dev.stack.project={}", live.name);
    let left = docker(&["ps", "-a", "-q", "--filter", &filter]);
    assert_eq!(left.lines().count(), 1, "only the service's own container");
}

/// A pseudo-terminal made here, so the test sets its size: stack's stdin, stdout and
/// stderr are its other end.
#[cfg(unix)]
struct SizedTerminal {
    master: std::fs::File,
    terminal: Terminal,
}

#[cfg(unix)]
impl SizedTerminal {
    fn start(live: &LiveProject, args: &[&str], rows: u16, columns: u16) -> SizedTerminal {
        use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("a pty");
        grantpt(&master).expect("grantpt");
        unlockpt(&master).expect("unlockpt");
        let name = ptsname(&master, Vec::new()).expect("its name");
        let slave = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(name.to_str().expect("a UTF-8 path"))
            .expect("the pty's other end");
        let master = std::fs::File::from(master);
        set_size(&master, rows, columns);
        let clone = || slave.try_clone().expect("a second handle");
        let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("stack"))
            .args(args)
            .current_dir(live.project.path())
            .env("NO_COLOR", "1")
            .env("TERM", "xterm")
            .env_remove("STACK_FILE")
            .stdin(clone())
            .stdout(clone())
            .stderr(slave)
            .spawn()
            .expect("stack runs");
        let input = Box::new(master.try_clone().expect("a writer"));
        let screen = master.try_clone().expect("a reader");
        SizedTerminal {
            master,
            terminal: Terminal::over(child, input, screen),
        }
    }

    /// Resizes the terminal and tells stack, as a terminal emulator's kernel would.
    fn resize(&mut self, rows: u16, columns: u16) {
        set_size(&self.master, rows, columns);
        let pid = rustix::process::Pid::from_raw(
            i32::try_from(self.terminal.child.id()).expect("a pid fits an i32"),
        )
        .expect("a pid is not 0");
        rustix::process::kill_process(pid, rustix::process::Signal::WINCH).expect("SIGWINCH");
    }
}

#[cfg(unix)]
fn set_size(master: &std::fs::File, rows: u16, columns: u16) {
    let size = rustix::termios::Winsize {
        ws_row: rows,
        ws_col: columns,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    rustix::termios::tcsetwinsize(master, size).expect("the size is set");
}

#[cfg(unix)]
#[test]
fn the_containers_tty_follows_the_terminals_size() {
    require_engine!();
    let manifest = format!(
        "services:\n  box:\n    image: {BUSYBOX}\n    command: httpd -f -p 8080\n    port: 8080\n"
    );
    let live = LiveProject::new("winch", &manifest);
    live.up();
    for args in [
        &["exec", "box", "sh"][..],
        &["run", "--rm", "--progress", "plain", "box", "sh"],
    ] {
        let mut sized = SizedTerminal::start(&live, args, 30, 100);
        let terminal = &mut sized.terminal;
        terminal.expect("# ");
        // `stty size` prints rows and columns; `x` tells its output from the typed echo.
        terminal.type_keys("echo size=$(stty size | tr ' ' x)\r");
        terminal.expect("size=30x100");
        sized.resize(40, 120);
        std::thread::sleep(Duration::from_millis(500));
        let terminal = &mut sized.terminal;
        terminal.type_keys("echo size=$(stty size | tr ' ' x)\r");
        terminal.expect("size=40x120");
        terminal.type_keys("exit 4\r");
        let (code, screen) = sized.terminal.finish();
        assert_eq!(code, Some(4), "{args:?}\n{screen}");
    }
}
