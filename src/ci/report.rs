//! What one `stack ci` run did, for the CI system to show: each service's readiness time
//! and the command's result, as JUnit XML (`--report junit.xml`) or JSON (`report.json`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// The formats `--report` writes, chosen by the file's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Junit,
    Json,
}

impl Format {
    /// The format a report file asks for; `None` for an extension stack does not write.
    pub(crate) fn of(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "xml" => Some(Format::Junit),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// How the run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Outcome {
    /// The command ran and exited 0.
    Passed,
    /// The command ran and failed.
    Failed,
    /// The environment did not come up; the command did not run.
    NotUp,
    /// Ctrl-C or SIGTERM stopped the run.
    Interrupted,
}

/// One service of the environment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct ServiceResult {
    pub(crate) name: String,
    pub(crate) ready: bool,
    /// From its start until it was ready (a task: until it completed).
    pub(crate) seconds: Option<f64>,
    /// Why it is not ready, when it is not.
    pub(crate) error: Option<String>,
}

/// The command.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct CommandResult {
    pub(crate) argv: Vec<String>,
    /// `--in SERVICE`, when it ran in a service's image.
    pub(crate) service: Option<String>,
    pub(crate) ran: bool,
    pub(crate) exit_code: Option<i32>,
    pub(crate) seconds: Option<f64>,
}

/// The whole run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Report {
    pub(crate) project: String,
    pub(crate) outcome: Outcome,
    /// stack's own exit code.
    pub(crate) exit_code: i32,
    /// From the start of `stack ci` to the end of the teardown.
    pub(crate) seconds: f64,
    pub(crate) services: Vec<ServiceResult>,
    pub(crate) command: CommandResult,
}

impl Report {
    /// The report in `format`.
    pub(crate) fn render(&self, format: Format) -> String {
        match format {
            Format::Json => {
                let mut text = serde_json::to_string_pretty(self)
                    .expect("a report is plain data and always serialises");
                text.push('\n');
                text
            }
            Format::Junit => self.junit(),
        }
    }

    /// One suite for the environment (a case per service) and one for the command.
    fn junit(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let failed_services = self.services.iter().filter(|s| !s.ready).count();
        let command_failed = self.command.ran && self.command.exit_code != Some(0);
        let _ = writeln!(
            out,
            "<testsuites name=\"stack ci {}\" tests=\"{}\" failures=\"{}\" time=\"{:.3}\">",
            escape(&self.project),
            self.services.len() + 1,
            failed_services + usize::from(command_failed),
            self.seconds
        );
        let environment_time = self
            .services
            .iter()
            .filter_map(|s| s.seconds)
            .fold(0.0, |sum, s| sum + s);
        let _ = writeln!(
            out,
            "  <testsuite name=\"environment\" tests=\"{}\" failures=\"{failed_services}\" time=\"{environment_time:.3}\">",
            self.services.len()
        );
        for service in &self.services {
            let _ = write!(
                out,
                "    <testcase classname=\"environment\" name=\"{}\" time=\"{:.3}\"",
                escape(&service.name),
                service.seconds.unwrap_or(0.0)
            );
            match (&service.error, service.ready) {
                (_, true) => out.push_str("/>\n"),
                (error, false) => {
                    let message = error.as_deref().unwrap_or("not ready");
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"{}\"/>\n    </testcase>",
                        escape(message)
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
        let command = &self.command;
        let _ = writeln!(
            out,
            "  <testsuite name=\"command\" tests=\"1\" failures=\"{}\" skipped=\"{}\" time=\"{:.3}\">",
            usize::from(command_failed),
            usize::from(!command.ran),
            command.seconds.unwrap_or(0.0)
        );
        let _ = write!(
            out,
            "    <testcase classname=\"command\" name=\"{}\" time=\"{:.3}\"",
            escape(&shell_words::join(&command.argv)),
            command.seconds.unwrap_or(0.0)
        );
        if !command.ran {
            let why = match self.outcome {
                Outcome::Interrupted => "interrupted before the command ran",
                _ => "the environment did not come up",
            };
            let _ = writeln!(
                out,
                ">\n      <skipped message=\"{why}\"/>\n    </testcase>"
            );
        } else if command_failed {
            let message = match command.exit_code {
                Some(code) => format!("exited with code {code}"),
                None => "stopped before it exited".to_string(),
            };
            let _ = writeln!(
                out,
                ">\n      <failure message=\"{}\"/>\n    </testcase>",
                escape(&message)
            );
        } else {
            out.push_str("/>\n");
        }
        out.push_str("  </testsuite>\n</testsuites>\n");
        out
    }
}

/// Text for an XML attribute.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            // Control characters are not allowed in XML 1.0 at all.
            c if c.is_control() && c != '\t' => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

/// The report files asked for, each with its format; the first one stack cannot write is
/// the error (before anything starts).
pub(crate) fn formats(paths: &[PathBuf]) -> Result<Vec<(PathBuf, Format)>, PathBuf> {
    paths
        .iter()
        .map(|path| {
            Format::of(path)
                .map(|f| (path.clone(), f))
                .ok_or(path.clone())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{CommandResult, Format, Outcome, Report, ServiceResult};

    fn report() -> Report {
        Report {
            project: "shop-ci-0a1b2c3d".to_string(),
            outcome: Outcome::Failed,
            exit_code: 3,
            seconds: 12.5,
            services: vec![
                ServiceResult {
                    name: "db".to_string(),
                    ready: true,
                    seconds: Some(1.25),
                    error: None,
                },
                ServiceResult {
                    name: "api".to_string(),
                    ready: true,
                    seconds: Some(0.5),
                    error: None,
                },
            ],
            command: CommandResult {
                argv: vec![
                    "sh".to_string(),
                    "-c".to_string(),
                    "test \"$A\" < b".to_string(),
                ],
                service: None,
                ran: true,
                exit_code: Some(3),
                seconds: Some(2.0),
            },
        }
    }

    #[test]
    fn a_failed_command_is_a_failed_case_and_every_service_a_passed_one() {
        let xml = report().render(Format::Junit);
        roxmltree::Document::parse(&xml).expect("well-formed XML");
        insta::assert_snapshot!(xml);
        insta::assert_snapshot!(report().render(Format::Json));
    }

    #[test]
    fn an_environment_that_did_not_come_up_skips_the_command() {
        let mut report = report();
        report.outcome = Outcome::NotUp;
        report.exit_code = 6;
        report.services[1] = ServiceResult {
            name: "api".to_string(),
            ready: false,
            seconds: None,
            error: Some("did not become healthy within 2s: HTTP 503 <b>\"x\"".to_string()),
        };
        report.command.ran = false;
        report.command.exit_code = None;
        report.command.seconds = None;
        let xml = report.render(Format::Junit);
        let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
        let failure = doc
            .descendants()
            .find(|n| n.has_tag_name("failure"))
            .expect("a failure");
        assert_eq!(
            failure.attribute("message"),
            Some("did not become healthy within 2s: HTTP 503 <b>\"x\"")
        );
        insta::assert_snapshot!(xml);
    }
}
