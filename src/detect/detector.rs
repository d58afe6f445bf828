//! `Detector`: what one language's detection looks for and does, and `DETECTORS`, the one
//! table of them in the order a directory is tried.

use std::path::Path;

use crate::detect::detection::Detection;
use crate::detect::error::DetectError;
use crate::detect::language::Language;
use crate::detect::{go, java, node, python, rust};
use crate::manifest::service::Service;

/// One language's detection; each language's file defines its `DETECTOR`.
pub(crate) struct Detector {
    pub(crate) language: Language,
    /// Files and signals it recognises, listed when no detector matches.
    pub(crate) looked_for: &'static [&'static str],
    /// The version built when nothing pins one (also what `stack new` writes).
    pub(crate) default_version: &'static str,
    /// Whether `dir` looks like this language by its files alone.
    pub(crate) matches: fn(dir: &Path) -> bool,
    /// Works out how to build `service` from its directory `dir`.
    pub(crate) detect: fn(service: &Service, dir: &Path) -> Result<Detection, DetectError>,
}

/// Every detector, in the order a directory is sniffed: the first that matches decides,
/// so a Django app with a package.json for its assets is a Python service.
pub(crate) static DETECTORS: [Detector; 5] = [
    python::DETECTOR,
    node::DETECTOR,
    go::DETECTOR,
    rust::DETECTOR,
    java::DETECTOR,
];

impl Detector {
    /// The detector of `language`.
    pub(crate) fn of(language: Language) -> &'static Detector {
        DETECTORS
            .iter()
            .find(|detector| detector.language == language)
            .expect("every language has a row in DETECTORS: tested")
    }
}

#[cfg(test)]
mod tests {
    use super::{DETECTORS, Detector};
    use crate::detect::language::Language;

    #[test]
    fn every_language_has_one_detector() {
        for language in Language::ALL {
            let rows = DETECTORS.iter().filter(|d| d.language == language).count();
            assert_eq!(rows, 1, "{language}");
            assert_eq!(Detector::of(language).language, language);
        }
    }
}
