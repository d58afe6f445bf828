//! Docker's `.dockerignore` rules, matched the way the docker CLI matches them.
//!
//! Unlike `.gitignore`, every pattern is anchored at the context root (`foo` is only
//! `./foo`), `**` spans directories, a pattern that matches a directory matches everything
//! below it, `!` re-includes, and the last matching pattern wins. The directory-skipping
//! rule in [`DockerIgnore::visit_dir`] reproduces a quirk of the CLI's context walker so
//! that stack sends exactly the files `docker build` would.

use regex::Regex;

/// A line of a `.dockerignore` that is not a valid pattern.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: invalid pattern `{pattern}`")]
pub(crate) struct PatternError {
    pub(crate) line: usize,
    pub(crate) pattern: String,
}

/// What to do with a directory while walking the context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DirVisit {
    /// Send the directory and look inside it.
    Include,
    /// Leave the directory itself out but look inside: an exception may re-include a child.
    Descend,
    /// Leave the directory and everything below it out.
    Skip,
}

#[derive(Clone, Debug)]
enum Matcher {
    Exact(String),
    /// `dir/**`: anything starting with the text before `**`.
    Prefix(String),
    /// `**/name`: anything ending with the text after `**`.
    Suffix(String),
    Regex(Regex),
}

#[derive(Clone, Debug)]
struct Pattern {
    /// The cleaned pattern text, without `!`.
    text: String,
    exclusion: bool,
    matcher: Matcher,
}

/// The parsed patterns of one `.dockerignore`.
#[derive(Clone, Debug, Default)]
pub(crate) struct DockerIgnore {
    patterns: Vec<Pattern>,
}

impl DockerIgnore {
    /// Parses the file's text: `#` comments, blank lines and surrounding spaces are ignored,
    /// paths are cleaned and a leading `/` dropped, as the docker CLI does.
    pub(crate) fn parse(text: &str) -> Result<DockerIgnore, PatternError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut patterns = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let error = || PatternError {
                line: index + 1,
                pattern: line.to_string(),
            };
            let (exclusion, body) = match line.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, line),
            };
            if body.is_empty() {
                return Err(error());
            }
            let cleaned = clean(body);
            let cleaned = match cleaned.strip_prefix('/') {
                Some(rest) if !rest.is_empty() => rest.to_string(),
                _ => cleaned,
            };
            let matcher = compile(&cleaned).ok_or_else(error)?;
            patterns.push(Pattern {
                text: cleaned,
                exclusion,
                matcher,
            });
        }
        Ok(DockerIgnore { patterns })
    }

    /// Adds `!name` for each name the patterns would exclude. The docker CLI always sends
    /// the Dockerfile and the `.dockerignore` itself, whatever the patterns say.
    pub(crate) fn keeping(mut self, names: &[&str]) -> DockerIgnore {
        for name in names {
            if self.is_excluded(name) {
                self.patterns.push(Pattern {
                    text: (*name).to_string(),
                    exclusion: true,
                    matcher: Matcher::Exact((*name).to_string()),
                });
            }
        }
        self
    }

    /// These rules followed by `later`'s: where both match, `later` decides. A rule that
    /// `later` repeats is dropped here: the repeat, after it, always decides instead.
    pub(crate) fn then(mut self, later: DockerIgnore) -> DockerIgnore {
        self.patterns.retain(|p| {
            !later
                .patterns
                .iter()
                .any(|q| q.text == p.text && q.exclusion == p.exclusion)
        });
        self.patterns.extend(later.patterns);
        self
    }

    fn has_exclusions(&self) -> bool {
        self.patterns.iter().any(|p| p.exclusion)
    }

    /// Whether `path` (relative, `/`-separated) is left out of the context. A pattern
    /// matches a path when it matches the path itself or any of its parent directories.
    pub(crate) fn is_excluded(&self, path: &str) -> bool {
        let parents: Vec<&str> = parent_prefixes(path).collect();
        let mut matched = false;
        for pattern in &self.patterns {
            // An inclusion cannot change a match, nor an exception a non-match.
            if pattern.exclusion != matched {
                continue;
            }
            let hit = pattern.matches(path) || parents.iter().any(|parent| pattern.matches(parent));
            if hit {
                matched = !pattern.exclusion;
            }
        }
        matched
    }

    /// How the context walk treats the directory `path`.
    pub(crate) fn visit_dir(&self, path: &str) -> DirVisit {
        if !self.is_excluded(path) {
            return DirVisit::Include;
        }
        // The CLI only looks inside an excluded directory when an exception's text starts
        // with the directory's path; `!**/*.go` does not rescue files in an excluded dir.
        let dir_slash = format!("{path}/");
        let rescued = self
            .patterns
            .iter()
            .any(|p| p.exclusion && format!("{}/", p.text).starts_with(&dir_slash));
        if self.has_exclusions() && rescued {
            DirVisit::Descend
        } else {
            DirVisit::Skip
        }
    }
}

impl Pattern {
    fn matches(&self, path: &str) -> bool {
        match &self.matcher {
            Matcher::Exact(text) => path == text,
            Matcher::Prefix(prefix) => path.starts_with(prefix.as_str()),
            Matcher::Suffix(suffix) => {
                path.ends_with(suffix.as_str())
                    || suffix.strip_prefix('/').is_some_and(|bare| path == bare)
            }
            Matcher::Regex(regex) => regex.is_match(path),
        }
    }
}

/// `a`, `a/b` for `a/b/c`: the parent directories of a path, shortest first.
fn parent_prefixes(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/').map(move |(i, _)| &path[..i])
}

/// Go's `filepath.Clean` for `/`-separated paths: drop empty and `.` segments, resolve `..`.
fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// Turns a cleaned pattern into the cheapest matcher that behaves like moby's regex.
fn compile(pattern: &str) -> Option<Matcher> {
    #[derive(PartialEq)]
    enum Kind {
        Exact,
        Prefix,
        Suffix,
        Regex,
    }
    let mut regex = String::from("^");
    let mut kind = Kind::Exact;
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let ch = chars[i];
        let first = i == 0;
        i += 1;
        match ch {
            '*' if chars.get(i) == Some(&'*') => {
                i += 1;
                if chars.get(i) == Some(&'/') {
                    i += 1;
                }
                if i == chars.len() {
                    if kind == Kind::Exact {
                        kind = Kind::Prefix;
                    } else {
                        regex.push_str(".*");
                        kind = Kind::Regex;
                    }
                } else {
                    regex.push_str("(.*/)?");
                    kind = Kind::Regex;
                }
                if first {
                    kind = Kind::Suffix;
                }
            }
            '*' => {
                regex.push_str("[^/]*");
                kind = Kind::Regex;
            }
            '?' => {
                regex.push_str("[^/]");
                kind = Kind::Regex;
            }
            '.' | '+' | '(' | ')' | '|' | '{' | '}' | '$' => {
                regex.push('\\');
                regex.push(ch);
            }
            '\\' => match chars.get(i) {
                Some(next) => {
                    regex.push('\\');
                    regex.push(*next);
                    i += 1;
                    kind = Kind::Regex;
                }
                None => regex.push_str("\\\\"),
            },
            '[' | ']' => {
                regex.push(ch);
                kind = Kind::Regex;
            }
            other => regex.push(other),
        }
    }
    match kind {
        Kind::Exact => Some(Matcher::Exact(pattern.to_string())),
        Kind::Prefix => Some(Matcher::Prefix(pattern[..pattern.len() - 2].to_string())),
        Kind::Suffix => Some(Matcher::Suffix(pattern[2..].to_string())),
        Kind::Regex => {
            regex.push('$');
            Regex::new(&regex).ok().map(Matcher::Regex)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{DirVisit, DockerIgnore, clean};

    fn ignore(text: &str) -> DockerIgnore {
        DockerIgnore::parse(text).expect("valid patterns")
    }

    #[test]
    fn patterns_are_anchored_at_the_root() {
        let rules = ignore("foo\n");
        assert!(rules.is_excluded("foo"));
        assert!(
            rules.is_excluded("foo/bar.txt"),
            "a matched directory takes its contents"
        );
        assert!(
            !rules.is_excluded("src/foo"),
            "unlike .gitignore, `foo` is only ./foo"
        );
    }

    #[test]
    fn double_star_spans_directories() {
        let rules = ignore("**/*.pyc\n");
        assert!(rules.is_excluded("a.pyc"));
        assert!(rules.is_excluded("pkg/sub/a.pyc"));
        assert!(!rules.is_excluded("pkg/a.py"));
        let rules = ignore("**/node_modules\n");
        assert!(rules.is_excluded("node_modules/x/index.js"));
        assert!(rules.is_excluded("web/node_modules/x/index.js"));
        let rules = ignore("docs/**\n");
        assert!(rules.is_excluded("docs/a/b.md"));
        assert!(!rules.is_excluded("src/docs/a.md"));
        let rules = ignore("a/**/z\n");
        assert!(rules.is_excluded("a/z"));
        assert!(rules.is_excluded("a/b/c/z"));
        assert!(!rules.is_excluded("b/a/z"));
    }

    #[test]
    fn star_and_question_mark_stay_within_a_segment() {
        let rules = ignore("*.md\n?.txt\n");
        assert!(rules.is_excluded("README.md"));
        assert!(!rules.is_excluded("docs/README.md"));
        assert!(rules.is_excluded("a.txt"));
        assert!(!rules.is_excluded("ab.txt"));
    }

    #[test]
    fn the_last_match_wins_and_exceptions_re_include() {
        let rules = ignore("*.md\n!README.md\n");
        assert!(rules.is_excluded("CHANGES.md"));
        assert!(!rules.is_excluded("README.md"));
        let rules = ignore("!README.md\n*.md\n");
        assert!(
            rules.is_excluded("README.md"),
            "a later exclusion overrides the exception"
        );
    }

    #[test]
    fn comments_blanks_slashes_and_dots_are_normalised() {
        let rules = ignore("# comment\n\n  /build/  \n./dist//\nsrc/../tmp\n");
        assert!(rules.is_excluded("build/x"));
        assert!(rules.is_excluded("dist/x"));
        assert!(rules.is_excluded("tmp"));
        assert!(!rules.is_excluded("# comment"));
    }

    #[test]
    fn regex_metacharacters_are_literal() {
        let rules = ignore("a+b(1).txt\n");
        assert!(rules.is_excluded("a+b(1).txt"));
        assert!(!rules.is_excluded("aab1.txt"));
        let rules = ignore("file[0-9].log\n");
        assert!(rules.is_excluded("file3.log"));
        assert!(!rules.is_excluded("filex.log"));
    }

    #[test]
    fn excluded_directories_are_skipped_unless_an_exception_names_a_path_inside() {
        let rules = ignore("logs\n!logs/keep.txt\n");
        assert_eq!(rules.visit_dir("logs"), DirVisit::Descend);
        assert!(rules.is_excluded("logs/other.txt"));
        assert!(!rules.is_excluded("logs/keep.txt"));
        // The CLI's quirk: a wildcard exception does not open an excluded directory.
        let rules = ignore("vendor\n!**/*.go\n");
        assert_eq!(rules.visit_dir("vendor"), DirVisit::Skip);
        assert_eq!(ignore("src/tmp\n").visit_dir("src"), DirVisit::Include);
    }

    #[test]
    fn later_rules_decide_and_repeats_collapse() {
        let rules = ignore("*.pem\n.env\n").then(ignore("!ca.pem\n*.pem\n"));
        assert!(rules.is_excluded("server.pem"));
        assert!(rules.is_excluded("ca.pem"), "the repeated rule comes last");
        assert!(rules.is_excluded(".env"));
        let rules = ignore("*.pem\n").then(ignore("!ca.pem\n"));
        assert!(!rules.is_excluded("ca.pem"));
        assert!(rules.is_excluded("server.pem"));
    }

    #[test]
    fn the_dockerfile_and_dockerignore_are_always_kept() {
        let rules = ignore("*\n").keeping(&["Dockerfile", ".dockerignore"]);
        assert!(!rules.is_excluded("Dockerfile"));
        assert!(!rules.is_excluded(".dockerignore"));
        assert!(rules.is_excluded("app.py"));
    }

    #[test]
    fn invalid_patterns_name_their_line() {
        let error = DockerIgnore::parse("ok\n!\n").expect_err("a bare ! is invalid");
        assert_eq!(error.line, 2);
        let error = DockerIgnore::parse("a[b\n").expect_err("an unclosed class is invalid");
        assert_eq!(error.to_string(), "line 1: invalid pattern `a[b`");
    }

    #[test]
    fn clean_matches_go() {
        assert_eq!(clean("a//b/./c/.."), "a/b");
        assert_eq!(clean("/../a"), "/a");
        assert_eq!(clean("../a"), "../a");
        assert_eq!(clean("./"), ".");
        assert_eq!(clean("a/"), "a");
    }
}
