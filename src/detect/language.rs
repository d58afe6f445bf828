//! The languages and frameworks stack knows how to build.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// A programming language stack can generate a Dockerfile for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Language {
    Python,
    Node,
    Go,
    Rust,
    Java,
}

/// A web framework that changes how a service is started.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Framework {
    Flask,
    FastApi,
    Django,
    Express,
}

impl Language {
    pub(crate) const ALL: [Language; 5] = [
        Language::Python,
        Language::Node,
        Language::Go,
        Language::Rust,
        Language::Java,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::Node => "node",
            Language::Go => "go",
            Language::Rust => "rust",
            Language::Java => "java",
        }
    }
}

impl Framework {
    pub(crate) const ALL: [Framework; 4] = [
        Framework::Flask,
        Framework::FastApi,
        Framework::Django,
        Framework::Express,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Framework::Flask => "flask",
            Framework::FastApi => "fastapi",
            Framework::Django => "django",
            Framework::Express => "express",
        }
    }

    /// The language a framework belongs to, so `framework: flask` alone is enough.
    pub(crate) fn language(self) -> Language {
        match self {
            Framework::Flask | Framework::FastApi | Framework::Django => Language::Python,
            Framework::Express => Language::Node,
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Framework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Language {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "python" => Ok(Language::Python),
            "node" | "nodejs" | "javascript" | "typescript" => Ok(Language::Node),
            "go" | "golang" => Ok(Language::Go),
            "rust" => Ok(Language::Rust),
            "java" => Ok(Language::Java),
            _ => Err(()),
        }
    }
}

impl FromStr for Framework {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "flask" => Ok(Framework::Flask),
            "fastapi" => Ok(Framework::FastApi),
            "django" => Ok(Framework::Django),
            "express" => Ok(Framework::Express),
            _ => Err(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Framework, Language};

    #[test]
    fn names_round_trip() {
        for language in Language::ALL {
            assert_eq!(language.name().parse::<Language>(), Ok(language));
        }
        for framework in Framework::ALL {
            assert_eq!(framework.name().parse::<Framework>(), Ok(framework));
        }
    }
}
