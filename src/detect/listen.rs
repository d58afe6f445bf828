//! Where an app listens, read from its source: the listen call of its framework, then the
//! literal, constant, variable or environment fallback the call names (`app.listen(PORT)`
//! with `const PORT = process.env.PORT || 4000`; `ListenAndServe(":"+listenPort, r)` with
//! `listenPort = "5050"`), and whether it binds loopback only.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;

use crate::detect::source::SourceFile;
use crate::manifest::service::Service;

/// Which part of a call's arguments holds the address or port.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Arg {
    /// The first argument (an object's `port:` when it is one).
    First,
    /// The second argument (`net.Listen("tcp", addr)`).
    Second,
    /// The last argument (`new InetSocketAddress(host, port)` or `(port)`).
    Last,
    /// The `port=` keyword argument; a call without one is not a listen call.
    Keyword,
    /// The rest of the line (`Addr: ":8080",` in a struct literal).
    Line,
}

/// A listen call: the text that starts it, up to its opening parenthesis (or the value for
/// `Arg::Line`), and where its port is.
pub(crate) struct Call {
    pub(crate) pattern: &'static str,
    pub(crate) arg: Arg,
}

/// What the source says about where the app listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Listen {
    /// The port, when a literal or a fallback gives one.
    pub(crate) port: Option<u16>,
    /// The call as written, shortened: `app.listen(PORT)`.
    pub(crate) call: String,
    /// `server.js:12`.
    pub(crate) at: String,
    /// The environment variable the port or address is read from (`PORT`, `LISTEN_ADDR`).
    pub(crate) env: Option<String>,
    /// The loopback address it binds (`127.0.0.1`, `localhost`), when it does.
    pub(crate) loopback: Option<String>,
}

impl Listen {
    /// How `stack dockerfile` says where the port came from.
    pub(crate) fn source(&self) -> String {
        format!("`{}` in {}", self.call, self.at)
    }

    /// The warning for an app that binds loopback inside its container, if it does and
    /// `env` (the service's environment) does not already override the address.
    pub(crate) fn loopback_warning(
        &self,
        service: &str,
        env: &std::collections::BTreeMap<String, String>,
        port: Option<u16>,
    ) -> Option<String> {
        let loopback = self.loopback.as_ref()?;
        let port = port
            .or(self.port)
            .map(|p| p.to_string())
            .unwrap_or_default();
        match &self.env {
            Some(variable) if env.contains_key(variable) => None,
            Some(variable) if variable != "PORT" => Some(format!(
                "service `{service}` binds {loopback} (`{}` in {}) unless {variable} is set: inside its container nothing outside reaches it; set `env: {{ {variable}: \"0.0.0.0:{port}\" }}` (or the form the app reads)",
                self.call, self.at
            )),
            _ => Some(format!(
                "service `{service}` binds {loopback} (`{}` in {}): inside its container nothing outside reaches it; bind 0.0.0.0 instead",
                self.call, self.at
            )),
        }
    }
}

/// The port a service is built for and what the image says about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PortChoice {
    /// The port detection found (the source's, else the framework's default).
    pub(crate) default: Option<u16>,
    /// Where the port the image uses came from: `stack.yaml`, the listen call, a default.
    pub(crate) source: String,
    /// A port variable of the app's own besides `PORT` (`LISTEN_PORT`).
    pub(crate) env: Option<String>,
    pub(crate) warnings: Vec<String>,
}

/// The port of `service`: the manifest's, else the one `listen` found in the source, else
/// `fallback` (a port and why: "Flask's default").
pub(crate) fn choose(
    service: &Service,
    listen: Option<&Listen>,
    fallback: Option<(u16, String)>,
) -> PortChoice {
    let found = listen.and_then(|l| Some((l.port?, l.source())));
    let default = found.clone().or(fallback);
    let source = match (service.port, &default) {
        (Some(port), Some((found, source))) if port == *found => {
            format!("stack.yaml (the code agrees: {source})")
        }
        (Some(_), _) => "stack.yaml".to_string(),
        (None, Some((_, source))) => source.clone(),
        (None, None) => String::new(),
    };
    let port = service.port.or(default.as_ref().map(|(p, _)| *p));
    PortChoice {
        default: default.map(|(p, _)| p),
        source,
        // An address variable (`LISTEN_ADDR=host:port`) must not get a bare port.
        env: listen
            .and_then(|l| l.env.clone())
            .filter(|v| v != "PORT" && v.contains("PORT")),
        warnings: listen
            .and_then(|l| l.loopback_warning(&service.name, &service.env, port))
            .into_iter()
            .collect(),
    }
}

/// The first listen call of `calls` in `files` (in their order), with what it resolves to.
pub(crate) fn find(files: &[SourceFile], calls: &[Call]) -> Option<Listen> {
    let compiled: Vec<(Regex, Arg)> = calls
        .iter()
        .map(|call| {
            (
                Regex::new(call.pattern).expect("listen patterns are valid: tested"),
                call.arg,
            )
        })
        .collect();
    // The first call that gives a port; else the first that says anything (a variable,
    // an address).
    let mut first = None;
    for file in files {
        let mut hits: Vec<(usize, usize, Arg)> = compiled
            .iter()
            .flat_map(|(regex, arg)| {
                regex
                    .find_iter(&file.text)
                    .filter(|m| !in_comment(&file.text, m.start()))
                    .map(move |m| (m.start(), m.end(), *arg))
            })
            .collect();
        hits.sort_by_key(|(start, ..)| *start);
        for (start, end, arg) in hits {
            if let Some(listen) = listen_at(files, file, start, end, arg) {
                if listen.port.is_some() {
                    return Some(listen);
                }
                first.get_or_insert(listen);
            }
        }
    }
    first
}

/// The listen call starting at `start` whose arguments start at `end`, when it is one.
fn listen_at(
    files: &[SourceFile],
    file: &SourceFile,
    start: usize,
    end: usize,
    arg: Arg,
) -> Option<Listen> {
    let rest = &file.text[end..];
    let (args, call_end) = match arg {
        Arg::Line => {
            let line = rest.lines().next().unwrap_or_default();
            (
                line.trim().trim_end_matches(',').to_string(),
                end + line.len(),
            )
        }
        Arg::First | Arg::Second | Arg::Last | Arg::Keyword => {
            let close = closing(rest)?;
            (rest[..close].to_string(), end + close + 1)
        }
    };
    let chosen = match arg {
        Arg::First => {
            let first = split_args(&args).into_iter().next().unwrap_or_default();
            object_key(&first, "port").unwrap_or(first)
        }
        Arg::Second => split_args(&args).into_iter().nth(1)?,
        Arg::Last => split_args(&args).into_iter().last()?,
        Arg::Keyword => split_args(&args)
            .into_iter()
            .find_map(|a| KEYWORD_PORT.captures(&a).map(|c| c[1].to_string()))?,
        Arg::Line => args.clone(),
    };
    let mut resolved = Resolved::default();
    resolved.read(files, &chosen, 0);
    // The address may be another argument (`listen(port, '127.0.0.1')`) or its own variable.
    let mut address = Resolved::default();
    for other in split_args(&args) {
        address.read(files, &other, 0);
    }
    // A call that names no port, variable or address says nothing (`cmd.Run()`).
    if resolved.port.is_none()
        && resolved.env.is_none()
        && resolved.loopback.is_none()
        && address.env.is_none()
        && address.loopback.is_none()
    {
        return None;
    }
    // The call as written includes its receiver: `app.listen(…)`, not `.listen(…)`.
    let start = file.text[..start]
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || matches!(c, '_' | '.' | '$' | ':'))
        .last()
        .map_or(start, |(i, _)| i);
    let call = file.text[start..call_end]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    Some(Listen {
        port: resolved.port,
        call: shorten(&call),
        at: file.at(start),
        env: resolved.env.or(address.env),
        loopback: resolved.loopback.or(address.loopback),
    })
}

static KEYWORD_PORT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*port\s*=\s*(.+?)\s*$").expect("a valid pattern"));
/// A port literal: not part of a longer number, a version or an address's dotted quad.
static NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[^\w.])(\d{2,5})(?:[^\w.]|$)").expect("a valid pattern"));
static IDENTIFIER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*").expect("a valid pattern")
});
/// An environment variable read: `process.env.PORT`, `os.environ.get("PORT"`,
/// `os.Getenv("LISTEN_ADDR")`, `env::var("ADDRESS")`, `getOrDefault("PORT"`.
static ENV_READ: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?:env\.|env\[\s*|environ(?:\.get)?\(\s*|environ\[\s*|getenv\(\s*|Getenv\(\s*|LookupEnv\(\s*|env::var\(\s*|getOrDefault\(\s*|fetch\(\s*)['"]?([A-Z][A-Z0-9_]*)"#,
    )
    .expect("a valid pattern")
});
static LOOPBACK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"127\.0\.0\.1|\blocalhost\b|\[\s*127\s*,\s*0\s*,\s*0\s*,\s*1\s*\]|Ipv4Addr::LOCALHOST|\[::1\]",
    )
    .expect("a valid pattern")
});

/// Words that are APIs, not the app's own names: never looked up as variables.
const NOT_VARIABLES: &[&str] = &[
    "process",
    "env",
    "os",
    "environ",
    "get",
    "getenv",
    "Getenv",
    "int",
    "str",
    "parseInt",
    "Number",
    "String",
    "Integer",
    "parseInt",
    "fmt",
    "Sprintf",
    "strconv",
    "Itoa",
    "Atoi",
    "format",
    "to_string",
    "into",
    "parse",
    "unwrap",
    "unwrap_or",
    "unwrap_or_else",
    "expect",
    "System",
    "getOrDefault",
    "valueOf",
    "new",
    "true",
    "false",
    "None",
    "null",
    "nil",
    "self",
    "this",
    "f",
    "var",
    "as",
    "u16",
    "usize",
];

/// What an argument's text comes to, following the variables it names.
#[derive(Default)]
struct Resolved {
    port: Option<u16>,
    env: Option<String>,
    loopback: Option<String>,
    seen: BTreeSet<String>,
}

impl Resolved {
    /// Reads `text`: its literal port, environment variable and loopback address, then the
    /// assignments of the variables it names, three levels deep at most.
    fn read(&mut self, files: &[SourceFile], text: &str, depth: usize) {
        if self.port.is_none() {
            self.port = port_in(text);
        }
        if self.env.is_none() {
            self.env = ENV_READ.captures(text).map(|c| c[1].to_string());
        }
        if self.loopback.is_none() {
            self.loopback = LOOPBACK.find(text).map(|m| m.as_str().to_string());
        }
        if depth == 3 || (self.port.is_some() && self.loopback.is_some()) {
            return;
        }
        for name in IDENTIFIER.find_iter(text) {
            // `config.server.port` is assigned as `port: …` somewhere.
            let key = name.as_str().rsplit('.').next().unwrap_or_default();
            if key.len() < 2 || NOT_VARIABLES.contains(&key) || !self.seen.insert(key.to_string()) {
                continue;
            }
            // A bare name is a variable, set with `=` or `:=`; a struct literal's `addr: …`
            // elsewhere in the file is another thing's field. A dotted path's last part is
            // a field, set as `port: …` too; a bare name with no `=` anywhere may be one.
            let mut values = assignments(files, key, false);
            if values.is_empty() || name.as_str().contains('.') {
                values = assignments(files, key, true);
            }
            for value in values {
                self.read(files, &value, depth + 1);
            }
        }
    }
}

/// The right-hand sides of every assignment to `key`: `key = …`, `key := …`, typed
/// declarations, and with `fields` object keys (`key: …`) too, to the end of the line.
fn assignments(files: &[SourceFile], key: &str, fields: bool) -> Vec<String> {
    let operators = if fields { ":=|=|:" } else { ":=|=" };
    let pattern = Regex::new(&format!(
        r"(?:^|[^\w.$:]){}\s*(?::\s*[\w:<>&'\[\]]+\s*)?({operators})([^\n]*)",
        regex::escape(key)
    ))
    .expect("an escaped name makes a valid pattern");
    let mut values = Vec::new();
    for file in files {
        for c in pattern.captures_iter(&file.text) {
            let value = &c[2];
            // `==`, `=>`, `::` are comparisons, arrows and paths, not assignments.
            if value.starts_with('=') || value.starts_with('>') || value.starts_with(':') {
                continue;
            }
            if in_comment(&file.text, c.get(0).map_or(0, |m| m.start())) {
                continue;
            }
            values.push(value.trim().trim_end_matches([';', ',']).to_string());
        }
    }
    values
}

/// The last port-like literal in `text`: 80, 443, or 1024 and up (a radix of 10 or a
/// timeout of 30 is not a port).
pub(crate) fn port_in(text: &str) -> Option<u16> {
    NUMBER
        .captures_iter(text)
        .filter_map(|c| c[1].parse::<u16>().ok())
        .filter(|&n| n == 80 || n == 443 || n >= 1024)
        .last()
}

/// The index of the parenthesis that closes the call whose arguments start `text`.
fn closing(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices().take(600) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'' | '`') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') if depth > 0 => depth -= 1,
            (None, ')') => return Some(i),
            _ => {}
        }
    }
    None
}

/// Top-level arguments of an argument list, trimmed.
fn split_args(args: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut current = String::new();
    for c in args.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'' | '`') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth = depth.saturating_sub(1),
            (None, ',') if depth == 0 => {
                parts.push(current.trim().to_string());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.trim().is_empty() {
        parts.push(current.trim().to_string());
    }
    parts
}

/// The value of `key` in an object literal `{ port: 3000, host }`.
fn object_key(text: &str, key: &str) -> Option<String> {
    let inner = text.trim().strip_prefix('{')?.strip_suffix('}')?;
    split_args(inner).into_iter().find_map(|field| {
        let (name, value) = field.split_once(':')?;
        (name.trim() == key).then(|| value.trim().to_string())
    })
}

/// Whether `at` is inside a line comment (`//`, `#`).
fn in_comment(text: &str, at: usize) -> bool {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = text[start..at].trim_start();
    before.starts_with("//") || before.starts_with('#') || before.starts_with('*')
}

/// A call shortened for one line of a Dockerfile header.
fn shorten(call: &str) -> String {
    const MAX: usize = 80;
    if call.chars().count() <= MAX {
        call.to_string()
    } else {
        let cut: String = call.chars().take(MAX - 1).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::{Arg, Call, find, port_in};
    use crate::detect::source::SourceFile;

    fn file(path: &str, text: &str) -> SourceFile {
        SourceFile {
            path: path.to_string(),
            text: text.to_string(),
        }
    }

    const NODE: &[Call] = &[Call {
        pattern: r"\.listen\(",
        arg: Arg::First,
    }];
    const GO: &[Call] = &[
        Call {
            pattern: r"ListenAndServe(?:TLS)?\(",
            arg: Arg::First,
        },
        Call {
            pattern: r"net\.Listen\(",
            arg: Arg::Second,
        },
    ];

    #[test]
    fn literals_fallbacks_and_constants_give_the_port() {
        let listen = |text: &str| find(&[file("server.js", text)], NODE).expect("a listen call");
        assert_eq!(listen("app.listen(5000);").port, Some(5000));
        let found = listen(
            "const PORT = process.env.PORT || 4000;\n\napp.listen(PORT, () => console.log(PORT));\n",
        );
        assert_eq!(found.port, Some(4000));
        assert_eq!(found.env.as_deref(), Some("PORT"));
        assert_eq!(found.call, "app.listen(PORT, () => console.log(PORT))");
        assert_eq!(found.at, "server.js:3");
        assert_eq!(
            listen("const port = parseInt(process.env.PORT, 10) || 3001\nserver.listen(port)").port,
            Some(3001)
        );
        assert_eq!(
            listen("fastify.listen({ port: 8081, host: '0.0.0.0' })").port,
            Some(8081)
        );
        let loopback = listen("app.listen(3000, 'localhost')");
        assert_eq!(loopback.loopback.as_deref(), Some("localhost"));
        assert_eq!(
            listen("app.listen(config.port)\nconst config = { port: 7000 }").port,
            Some(7000)
        );
        assert!(find(&[file("a.js", "// app.listen(3000)\n")], NODE).is_none());
    }

    #[test]
    fn go_constants_and_defaults_across_files() {
        let files = [
            file(
                "main.go",
                "func main() {\n\tport := os.Getenv(\"PORT\")\n\tif port == \"\" {\n\t\tport = defaultPort\n\t}\n\tlog.Fatal(http.ListenAndServe(\":\"+port, r))\n}\n",
            ),
            file("config.go", "const (\n\tdefaultPort = \"5050\"\n)\n"),
        ];
        let found = find(&files, GO).expect("a listen call");
        assert_eq!(found.port, Some(5050));
        assert_eq!(found.env.as_deref(), Some("PORT"));
        assert_eq!(found.at, "main.go:6");
        let grpc = find(
            &[file(
                "main.go",
                "lis, err := net.Listen(\"tcp\", fmt.Sprintf(\":%d\", 50051))",
            )],
            GO,
        )
        .expect("a listen call");
        assert_eq!(grpc.port, Some(50051));
        // A struct literal's `addr:` field is not the `addr` variable the call names.
        let ingest = find(
            &[file(
                "main.go",
                "func main() {\n\tstore := &redis{addr: envOr(\"REDIS_ADDR\", \"localhost:6379\")}\n\taddr := \":\" + envOr(\"PORT\", \"8002\")\n\tlog.Fatal(http.ListenAndServe(addr, mux))\n}\n",
            )],
            GO,
        )
        .expect("a listen call");
        assert_eq!(ingest.port, Some(8002));
        assert_eq!(ingest.loopback, None);
    }

    #[test]
    fn port_literals_are_plausible_ports() {
        assert_eq!(port_in("parseInt(x, 10)"), None);
        assert_eq!(port_in("\"127.0.0.1:8080\""), Some(8080));
        assert_eq!(port_in("v1.2.3"), None);
        assert_eq!(port_in("([0, 0, 0, 0], 3000)"), Some(3000));
        assert_eq!(port_in(":80"), Some(80));
    }
}
