//! Reading the files a manifest names (itself, `.env`, `env_file`): regular files only, and
//! only up to a size, so a FIFO cannot hang stack and `/dev/zero` cannot exhaust memory.

use std::fs::File;
use std::io::Read as _;
use std::path::Path;

/// The largest manifest stack reads: far beyond any hand-written stack.yaml.
pub(crate) const MANIFEST_LIMIT: u64 = 1 << 20;
/// The largest `.env` or `env_file` stack reads.
pub(crate) const ENV_FILE_LIMIT: u64 = 1 << 20;

/// Why a file could not be read, in words that finish "cannot read `x`: …".
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReadProblem {
    #[error("it does not exist")]
    Missing,
    #[error("it is {0}, not a regular file")]
    NotAFile(&'static str),
    #[error("it is larger than {} MiB", .0 >> 20)]
    TooLarge(u64),
    #[error("{0}")]
    Io(std::io::Error),
}

/// The bytes of the regular file `path`, at most `limit` of them.
pub(crate) fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, ReadProblem> {
    // Checked before opening: opening a FIFO for reading blocks until a writer comes.
    let metadata = std::fs::metadata(path).map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => ReadProblem::Missing,
        _ => ReadProblem::Io(error),
    })?;
    check_kind(&metadata)?;
    let file = File::open(path).map_err(ReadProblem::Io)?;
    // Checked again on the open file, in case the path was swapped in between.
    check_kind(&file.metadata().map_err(ReadProblem::Io)?)?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadProblem::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadProblem::TooLarge(limit));
    }
    Ok(bytes)
}

fn check_kind(metadata: &std::fs::Metadata) -> Result<(), ReadProblem> {
    let kind = metadata.file_type();
    if kind.is_file() {
        return Ok(());
    }
    Err(ReadProblem::NotAFile(if kind.is_dir() {
        "a directory"
    } else {
        special_kind(&kind)
    }))
}

#[cfg(unix)]
fn special_kind(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "a special file"
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{ReadProblem, read_regular};

    #[test]
    fn devices_directories_and_large_files_are_refused_at_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(matches!(
            read_regular(Path::new("/dev/zero"), 10),
            Err(ReadProblem::NotAFile("a device"))
        ));
        assert!(matches!(
            read_regular(dir.path(), 10),
            Err(ReadProblem::NotAFile("a directory"))
        ));
        let big = dir.path().join("big");
        std::fs::write(&big, "x".repeat(11)).expect("write");
        assert!(matches!(
            read_regular(&big, 10),
            Err(ReadProblem::TooLarge(10))
        ));
        assert_eq!(read_regular(&big, 11).expect("fits").len(), 11);
        assert!(matches!(
            read_regular(&dir.path().join("nope"), 10),
            Err(ReadProblem::Missing)
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("fifo");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(status.success());
        assert!(matches!(
            read_regular(&fifo, 10),
            Err(ReadProblem::NotAFile("a FIFO"))
        ));
    }
}
