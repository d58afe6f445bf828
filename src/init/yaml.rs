//! Writing a `Draft` as stack.yaml text: block style, comments kept, every scalar plain
//! only when YAML cannot read it as anything but that string.

use std::fmt::Write;

use crate::init::draft::{Draft, DraftService, Origin};
use crate::manifest::health::{Check, Protocol};
use crate::manifest::recipe::postgres_user;

/// Words YAML 1.1 or 1.2 reads as booleans or null.
const RESERVED: &[&str] = &[
    "y", "yes", "n", "no", "true", "false", "on", "off", "null", "~",
];

/// `text` as a YAML scalar: plain when that is safe, else double-quoted (a JSON string is a
/// valid YAML double-quoted scalar).
pub(crate) fn scalar(text: &str) -> String {
    let first_ok = text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '_' | '/' | '.'));
    let safe = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_./-+=:@~^ ".contains(c));
    let plain = first_ok
        && safe
        && !text.ends_with([':', ' '])
        && !text.contains(": ")
        && !RESERVED.contains(&text.to_ascii_lowercase().as_str())
        && !is_number(text);
    if plain {
        text.to_string()
    } else {
        serde_json::to_string(text).expect("a string always serialises")
    }
}

/// Text YAML reads as a number: `.5`, `.inf`, `1e3`, `0x1f` (the last two start with a
/// digit and are quoted anyway).
fn is_number(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    text.parse::<f64>().is_ok() || matches!(lower.trim_start_matches(['+', '-']), ".inf" | ".nan")
}

/// A flow list of scalars: `[a, b]`. Plain items never hold `,`, `[`, `]`, `{` or `}`.
fn flow_list(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|i| scalar(i)).collect();
    format!("[{}]", items.join(", "))
}

fn comment(out: &mut String, indent: &str, text: &str) {
    for line in text.lines() {
        let _ = writeln!(out, "{indent}# {line}");
    }
}

/// The manifest text, ending with a newline.
pub(crate) fn render(draft: &Draft) -> String {
    let mut out = String::new();
    out.push_str(
        "# Written by `stack init` from the services found in this repository: check each\n\
         # one, then run `stack up`. `stack schema` documents every key; `stack config` shows\n\
         # the result as stack will use it.\n",
    );
    match &draft.name {
        Some(name) => {
            let _ = writeln!(out, "name: {}", scalar(name));
        }
        None => out.push_str("# name: the folder's name unless set here\n"),
    }
    out.push_str("\nservices:\n");
    for (i, service) in draft.services.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        render_service(&mut out, service);
    }
    out
}

fn render_service(out: &mut String, service: &DraftService) {
    for note in &service.notes {
        comment(out, "  ", note);
    }
    let _ = writeln!(out, "  {}:", service.name);
    let line = |out: &mut String, key: &str, value: String| {
        let _ = writeln!(out, "    {key}: {value}");
    };
    match &service.origin {
        Origin::Path(path) => line(out, "path", scalar(path)),
        Origin::Image(image) => line(out, "image", scalar(image)),
    }
    if let Some(port) = service.port {
        line(out, "port", port.to_string());
    }
    if let Some(host_port) = service.fixed_host_port {
        let _ = writeln!(
            out,
            "    # host_port: {host_port}  # fixed in compose; stack picks a free host port unless you uncomment this"
        );
    }
    if let Some(command) = &service.command {
        line(out, "command", flow_list(command));
    }
    if !service.env_files.is_empty() {
        line(out, "env_file", flow_list(&service.env_files));
    }
    if !service.env.is_empty() {
        out.push_str("    env:\n");
        for (key, value) in &service.env {
            match value {
                Some(value) => {
                    let _ = writeln!(out, "      {}: {}", scalar(key), scalar(value));
                }
                None => {
                    let _ = writeln!(out, "      {}:", scalar(key));
                }
            }
        }
    }
    if !service.volumes.is_empty() {
        out.push_str("    volumes:\n");
        for volume in &service.volumes {
            let _ = writeln!(out, "      - {}", scalar(volume));
        }
    }
    if !service.depends_on.is_empty() {
        line(out, "depends_on", flow_list(&service.depends_on));
    }
    if !service.build_args.is_empty() {
        out.push_str(
            "    build:
      args:
",
        );
        for (key, value) in &service.build_args {
            let _ = writeln!(out, "        {}: {}", scalar(key), scalar(value));
        }
    }
    if let Some(check) = &service.health {
        out.push_str("    health:\n");
        let var = |key: &str| {
            service
                .env
                .iter()
                .find(|(k, _)| k == key)
                .and_then(|(_, v)| v.clone())
        };
        line(out, &format!("  {}", check.key()), check_value(check, var));
    }
}

/// How `check` is written after its key in `health:`; `var` reads the service's
/// environment (`postgres: true` names the role `POSTGRES_USER` creates).
pub(crate) fn check_value(check: &Check, var: impl Fn(&str) -> Option<String>) -> String {
    match check {
        // The manifest has no word for "any answer": the route, checked for success.
        Check::Http { path } | Check::HttpAny { path } => scalar(path),
        Check::Cmd(argv) => flow_list(argv),
        Check::Protocol(Protocol::Grpc { service }) if !service.is_empty() => scalar(service),
        Check::Protocol(Protocol::Postgres { user }) if *user != postgres_user(var) => scalar(user),
        Check::Tcp | Check::Protocol(_) => "true".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use super::{render, scalar};
    use crate::init::draft::{Draft, DraftService, Origin};
    use crate::manifest::health::Check;
    use crate::manifest::load::load;
    use crate::manifest::service::Source;

    #[test]
    fn what_init_renders_the_manifest_loader_accepts_as_meant() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::create_dir_all(dir.path().join("services/my api")).expect("mkdir");
        std::fs::write(dir.path().join("db.env"), "FROM_FILE=1\n").expect("write");
        let mut api = DraftService::new("api".into(), Origin::Path("services/my api".into()));
        api.notes = vec!["python 3.11: a note\nover two lines".into()];
        api.port = Some(8000);
        api.fixed_host_port = Some(18000);
        api.depends_on = vec!["db".into()];
        api.health = Some(Check::Http {
            path: "/healthz".into(),
        });
        api.command = Some(vec![
            "sh".into(),
            "-c".into(),
            "echo \"$$HOME\" && exec app".into(),
        ]);
        let mut db = DraftService::new("db".into(), Origin::Image("postgres:15".into()));
        db.port = Some(5432);
        db.env = vec![
            ("POSTGRES_PASSWORD".into(), Some("${PASSWORD:-app}".into())),
            ("FLAG".into(), Some("yes".into())),
            ("VERSION".into(), Some("3.10".into())),
            ("EMPTY".into(), Some(String::new())),
            ("FROM_ENV".into(), None),
        ];
        db.env_files = vec!["db.env".into()];
        db.volumes = vec![
            "pgdata:/var/lib/postgresql/data".into(),
            "./seed:/docker-entrypoint-initdb.d:ro".into(),
        ];
        db.health = Some(Check::Cmd(vec![
            "pg_isready".into(),
            "-h".into(),
            "127.0.0.1".into(),
        ]));
        let mut cache = DraftService::new("cache".into(), Origin::Image("redis:7".into()));
        cache.health = Some(Check::Tcp);
        cache.port = Some(6379);
        let draft = Draft {
            name: Some("shop".into()),
            services: vec![api, db, cache],
        };
        let file = dir.path().join("stack.yaml");
        std::fs::write(&file, render(&draft)).expect("write");
        let env = BTreeMap::from([("FROM_ENV".to_string(), "set".to_string())]);
        let manifest = load(&file, Path::new("stack.yaml"), &env)
            .unwrap_or_else(|e| panic!("{}\n{e:?}", render(&draft)));
        assert_eq!(manifest.name, "shop");
        let api = &manifest.services["api"];
        assert!(
            matches!(&api.source, Source::Build { dir, .. } if dir.ends_with("services/my api"))
        );
        assert_eq!(api.host_port, None, "a fixed host port is only suggested");
        assert_eq!(
            api.command.as_deref(),
            Some(
                &[
                    "sh".to_string(),
                    "-c".into(),
                    "echo \"$HOME\" && exec app".into()
                ][..]
            )
        );
        assert_eq!(
            api.health.as_ref().map(|h| &h.check),
            Some(&Check::Http {
                path: "/healthz".into()
            })
        );
        let db = &manifest.services["db"];
        let vars: Vec<(&str, &str)> = db
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            vars,
            [
                ("EMPTY", ""),
                ("FLAG", "yes"),
                ("FROM_ENV", "set"),
                ("FROM_FILE", "1"),
                ("POSTGRES_PASSWORD", "app"),
                ("VERSION", "3.10")
            ]
        );
        assert_eq!(db.volumes.len(), 2);
        assert!(db.volumes[1].read_only);
        assert_eq!(
            db.health.as_ref().map(|h| &h.check),
            Some(&Check::Cmd(vec![
                "pg_isready".into(),
                "-h".into(),
                "127.0.0.1".into()
            ]))
        );
        assert_eq!(
            manifest.services["cache"].health.as_ref().map(|h| &h.check),
            Some(&Check::Tcp)
        );
    }

    #[test]
    fn scalars_are_plain_only_when_unambiguous() {
        for plain in [
            "redis:7",
            "services/api",
            ".",
            "./data:/data:ro",
            "pgdata:/var/lib/postgresql/data",
            "/healthz",
            "pg_isready",
            "postgres://app:app@db:5432/app",
            "hello world",
        ] {
            assert_eq!(scalar(plain), plain);
        }
        for (text, quoted) in [
            ("3.11", "\"3.11\""),
            ("6379:6379", "\"6379:6379\""),
            ("yes", "\"yes\""),
            ("Off", "\"Off\""),
            ("", "\"\""),
            ("-c", "\"-c\""),
            ("${PASSWORD}", "\"${PASSWORD}\""),
            ("a: b", "\"a: b\""),
            ("key:", "\"key:\""),
            ("x # y", "\"x # y\""),
            ("say \"hi\"\n", "\"say \\\"hi\\\"\\n\""),
            ("a,b", "\"a,b\""),
            ("*alias", "\"*alias\""),
            (".5", "\".5\""),
            (".Inf", "\".Inf\""),
            ("inf", "\"inf\""),
        ] {
            assert_eq!(scalar(text), quoted, "{text}");
        }
    }
}
