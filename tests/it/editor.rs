//! What an editor sees: `stack new` writes a stack.yaml whose first line points
//! yaml-language-server at the schema stack writes beside it, and the real language server,
//! driven over stdio, completes keys and flags a misspelt one from that schema, offline.
//! Shell completion: the script `stack completion` prints completes service names.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::Path;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{Project, skip};

/// Far beyond what the server takes here (about a second); bounds a stuck server.
const WAIT: Duration = Duration::from_secs(60);

fn language_server_missing() -> bool {
    let found = Command::new("yaml-language-server")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    !found
        && skip(
            "no yaml-language-server (npm install -g yaml-language-server; scripts/test installs it)",
            "STACK_TEST_YAMLLS",
        )
}

#[test]
fn the_language_server_completes_and_checks_stack_yaml_from_the_schema_stack_writes() {
    if language_server_missing() {
        return;
    }
    let project = Project::new();
    project
        .run([
            "new",
            "service",
            "api",
            "--lang",
            "python",
            "--framework",
            "flask",
        ])
        .success();
    let manifest = std::fs::read_to_string(project.path().join("stack.yaml")).expect("written");
    assert!(
        manifest.starts_with("# yaml-language-server: $schema=.stack/schema.json\n"),
        "{manifest}"
    );
    let schema =
        std::fs::read_to_string(project.path().join(".stack/schema.json")).expect("written");
    assert!(schema.contains("\"$id\": \"urn:stack:schema:stack.yaml:v1\""));

    // The user's file, with a typo and an empty line to complete on.
    let text = manifest.replacen("    port:", "    prot: 1\n    \n    port:", 1);
    let typo_line = text
        .lines()
        .position(|l| l.starts_with("    prot:"))
        .expect("typo line");
    let mut server = Server::start(project.path());
    let uri = format!("file://{}", project.path().join("stack.yaml").display());
    server.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "yaml", "version": 1, "text": text } }),
    );
    let diagnostics = server.diagnostics(&uri);
    let messages: Vec<(u64, String)> = diagnostics
        .iter()
        .map(|d| {
            (
                d["range"]["start"]["line"].as_u64().unwrap_or(0),
                d["message"].to_string(),
            )
        })
        .collect();
    assert!(
        messages
            .iter()
            .any(|(line, m)| *line == typo_line as u64 && m.contains("prot")),
        "a diagnostic for `prot` from the schema: {messages:?}"
    );
    let completion = server.request(
        "textDocument/completion",
        json!({ "textDocument": { "uri": uri }, "position": { "line": typo_line + 1, "character": 4 } }),
    );
    let items = completion["items"]
        .as_array()
        .or(completion.as_array())
        .cloned()
        .unwrap_or_default();
    let labels: Vec<&str> = items.iter().filter_map(|i| i["label"].as_str()).collect();
    for key in ["depends_on", "volumes", "env_file", "profiles"] {
        assert!(
            labels.contains(&key),
            "completion offers `{key}`: {labels:?}"
        );
    }
    server.stop();
}

/// yaml-language-server over stdio: JSON-RPC with Content-Length frames.
struct Server {
    child: std::process::Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: u64,
}

impl Server {
    fn start(root: &Path) -> Server {
        let mut child = Command::new("yaml-language-server")
            .arg("--stdio")
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("yaml-language-server starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = 0;
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 {
                        return;
                    }
                    let header = header.trim();
                    if header.is_empty() {
                        break;
                    }
                    if let Some(n) = header.strip_prefix("Content-Length:") {
                        length = n.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let Ok(message) = serde_json::from_slice::<Value>(&body) else {
                    return;
                };
                if sender.send(message).is_err() {
                    return;
                }
            }
        });
        let mut server = Server {
            child,
            stdin,
            messages,
            next_id: 0,
        };
        let root_uri = format!("file://{}", root.display());
        server.request(
            "initialize",
            json!({ "processId": null, "rootUri": root_uri, "capabilities": {
                "workspace": { "configuration": true },
                "textDocument": { "completion": { "completionItem": { "snippetSupport": false } } }
            } }),
        );
        server.notify("initialized", json!({}));
        server.notify(
            "workspace/didChangeConfiguration",
            json!({ "settings": { "yaml": { "validate": true, "completion": true, "schemaStore": { "enable": false } } } }),
        );
        server
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len())
            .expect("write to the server");
        self.stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and returns its result, answering the server's own requests meanwhile.
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        let mut found = None;
        self.wait(|message| {
            if message["id"] == json!(id) && message.get("method").is_none() {
                found = Some(message["result"].clone());
                return true;
            }
            false
        });
        found.expect("an answer")
    }

    /// The first non-empty diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let mut found = Vec::new();
        self.wait(|message| {
            if message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["uri"] == uri
                && let Some(list) = message["params"]["diagnostics"].as_array()
                && !list.is_empty()
            {
                found = list.clone();
                return true;
            }
            false
        });
        found
    }

    /// Reads messages until `done` says so, answering the server's requests.
    fn wait(&mut self, mut done: impl FnMut(&Value) -> bool) {
        let started = Instant::now();
        loop {
            let left = WAIT
                .checked_sub(started.elapsed())
                .expect("the server answered in time");
            let message = self
                .messages
                .recv_timeout(left)
                .expect("the server answered in time");
            if let (Some(id), Some(method)) = (message.get("id"), message["method"].as_str()) {
                // workspace/configuration asks for one settings object per item.
                let result = if method == "workspace/configuration" {
                    let items = message["params"]["items"].as_array().map_or(0, Vec::len);
                    json!(vec![
                        json!({ "validate": true, "completion": true, "hover": true });
                        items
                    ])
                } else {
                    Value::Null
                };
                let id = id.clone();
                self.send(&json!({ "jsonrpc": "2.0", "id": id, "result": result }));
                continue;
            }
            if done(&message) {
                return;
            }
        }
    }

    fn stop(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let _ = self.child.wait();
    }
}

#[test]
fn the_bash_completion_script_completes_service_names_from_the_manifest() {
    let project = Project::new();
    project.file(
        "stack.yaml",
        "services:\n  api: { image: x }\n  web: { image: x }\n  worker: { image: x }\n",
    );
    let script = project.run(["completion", "bash"]).success().stdout;
    let probe = format!(
        "{script}\nCOMP_WORDS=(stack logs w); COMP_CWORD=2; COMP_LINE='stack logs w'; COMP_POINT=${{#COMP_LINE}}\n_clap_complete_stack stack w logs\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n"
    );
    let output = Command::new("bash")
        .arg("-c")
        .arg(&probe)
        .current_dir(project.path())
        .env_remove("STACK_FILE")
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut names: Vec<&str> = stdout
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["web", "worker"],
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
