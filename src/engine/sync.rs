//! Updating a running container in place for `stack watch`: changed files are copied in
//! with the engine's archive API (no shell and no `tar` needed in the image), deleted ones
//! removed by `rm` run as root through exec, as an argument list (no shell either).

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use bollard::exec::{CreateExecOptions, StartExecResults};
use bollard::query_parameters::UploadToContainerOptionsBuilder;
use futures_util::StreamExt;

use crate::engine::client::Engine;
use crate::engine::error::EngineError;

/// A host file or folder and where it goes in the container (an absolute path).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Copy {
    pub(crate) host: PathBuf,
    pub(crate) container: String,
}

/// Paths deleted per `rm`: far below any argument-list limit.
const RM_BATCH: usize = 500;

/// Why a sync could not be done; watch rebuilds the service instead.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SyncError {
    #[error("its container is gone")]
    Gone,
    /// Deleting needs a program in the container; the archive API only adds files.
    #[error("its image has no `rm` to delete files with")]
    NoRm,
    /// Deleting runs a program in the container, which must be running for it.
    #[error("its container is stopped, so files cannot be deleted in it")]
    Stopped,
    #[error("`rm` failed in the container (exit code {code}): {output}")]
    Rm { code: i64, output: String },
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl Engine {
    /// Copies `copies` into `container` in one archive and deletes `deletes` there. A host
    /// file gone by the time it is read is deleted in the container instead. Returns
    /// (files copied, paths deleted).
    pub(crate) async fn sync(
        &self,
        container: &str,
        copies: Vec<Copy>,
        deletes: Vec<String>,
    ) -> Result<(usize, usize), SyncError> {
        let (archive, copied, mut deletes) =
            tokio::task::spawn_blocking(move || archive(copies, deletes))
                .await
                .expect("packing a sync archive does not panic");
        if copied > 0 {
            let options = UploadToContainerOptionsBuilder::default().path("/").build();
            let uploaded = self
                .docker()
                .upload_to_container(container, Some(options), bollard::body_full(archive.into()))
                .await;
            match uploaded {
                Ok(()) => {}
                Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 404, ..
                }) => return Err(SyncError::Gone),
                Err(source) => {
                    return Err(EngineError::request(
                        format!("copy files into container {container}"),
                        source,
                    )
                    .into());
                }
            }
        }
        deletes.sort();
        deletes.dedup();
        for batch in deletes.chunks(RM_BATCH) {
            self.remove_paths(container, batch).await?;
        }
        Ok((copied, deletes.len()))
    }

    /// When `container` was created, by the engine's clock.
    pub(crate) async fn created_at(&self, container: &str) -> Result<SystemTime, SyncError> {
        self.inspect_existing(container, &format!("container {container}"))
            .await?
            .and_then(|inspect| inspect.created)
            .and_then(|created| humantime::parse_rfc3339_weak(&created).ok())
            .ok_or(SyncError::Gone)
    }

    /// `rm -rf -- PATHS` in the container, as root: the image's files belong to root and
    /// the app's user may not change them.
    async fn remove_paths(&self, container: &str, paths: &[String]) -> Result<(), SyncError> {
        let mut cmd = vec!["rm".to_string(), "-rf".to_string(), "--".to_string()];
        cmd.extend(paths.iter().cloned());
        let options = CreateExecOptions {
            cmd: Some(cmd),
            user: Some("0".to_string()),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            ..Default::default()
        };
        let action = || format!("delete files in container {container}");
        let created = match self.docker().create_exec(container, options).await {
            Ok(created) => created,
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => return Err(SyncError::Gone),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 409, ..
            }) => return Err(SyncError::Stopped),
            Err(source) => return Err(EngineError::request(action(), source).into()),
        };
        let mut output = Vec::new();
        match self.docker().start_exec(&created.id, None).await {
            Ok(StartExecResults::Attached {
                output: mut stream, ..
            }) => {
                while let Some(Ok(chunk)) = stream.next().await {
                    output.extend_from_slice(&chunk.into_bytes());
                }
            }
            Ok(StartExecResults::Detached) => {}
            // The engine refuses to start what the image does not have.
            Err(bollard::errors::Error::DockerResponseServerError { message, .. })
                if message.contains("executable file not found") =>
            {
                return Err(SyncError::NoRm);
            }
            Err(source) => return Err(EngineError::request(action(), source).into()),
        }
        let inspect = self
            .docker()
            .inspect_exec(&created.id)
            .await
            .map_err(|source| EngineError::request(action(), source))?;
        let output = String::from_utf8_lossy(&output).trim().to_string();
        match inspect.exit_code.unwrap_or(-1) {
            0 => Ok(()),
            // 126/127: the runtime could not find or run `rm`.
            126 | 127 => Err(SyncError::NoRm),
            _ if output.contains("executable file not found") => Err(SyncError::NoRm),
            code => Err(SyncError::Rm { code, output }),
        }
    }

    /// The id of the container named `name`, when it exists.
    pub(crate) async fn container_id(&self, name: &str) -> Result<Option<String>, EngineError> {
        Ok(self
            .inspect_existing(name, &format!("container {name}"))
            .await?
            .and_then(|inspect| inspect.id))
    }
}

/// The tar of `copies` (root-owned, as `COPY` leaves them, with the host's modes and
/// nanosecond mtimes, so a reloader that compares mtimes sees every save), how many files
/// it holds, and `deletes` with the copies that vanished from the host meanwhile.
fn archive(copies: Vec<Copy>, mut deletes: Vec<String>) -> (Vec<u8>, usize, Vec<String>) {
    let mut tar = tar::Builder::new(Vec::new());
    let mut copied = 0;
    for copy in copies {
        let Ok(meta) = std::fs::symlink_metadata(&copy.host) else {
            deletes.push(copy.container);
            continue;
        };
        let path = copy.container.trim_start_matches('/').to_string();
        if path.is_empty() {
            continue;
        }
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .unwrap_or_default();
        let pax = format!("{}.{:09}", mtime.as_secs(), mtime.subsec_nanos());
        let mut header = tar::Header::new_gnu();
        header.set_mode(meta.permissions().mode() & 0o7777);
        header.set_mtime(mtime.as_secs());
        header.set_uid(0);
        header.set_gid(0);
        let kind = meta.file_type();
        let appended = if kind.is_dir() {
            header.set_entry_type(tar::EntryType::Directory);
            header.set_size(0);
            tar.append_pax_extensions([("mtime", pax.as_bytes())])
                .and_then(|()| tar.append_data(&mut header, format!("{path}/"), std::io::empty()))
        } else if kind.is_symlink() {
            let Ok(target) = std::fs::read_link(&copy.host) else {
                deletes.push(copy.container);
                continue;
            };
            header.set_entry_type(tar::EntryType::Symlink);
            header.set_size(0);
            tar.append_link(&mut header, &path, target)
        } else if kind.is_file() {
            let Ok(bytes) = std::fs::read(&copy.host) else {
                deletes.push(copy.container);
                continue;
            };
            header.set_entry_type(tar::EntryType::Regular);
            header.set_size(bytes.len() as u64);
            tar.append_pax_extensions([("mtime", pax.as_bytes())])
                .and_then(|()| tar.append_data(&mut header, &path, bytes.as_slice()))
        } else {
            // Sockets and fifos are not part of a build context either.
            continue;
        };
        if appended.is_ok() {
            copied += usize::from(!kind.is_dir());
        }
    }
    let bytes = tar.into_inner().unwrap_or_default();
    (bytes, copied, deletes)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::{Copy, archive};

    #[test]
    fn the_archive_holds_files_with_nanosecond_mtimes_and_vanished_ones_are_deleted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("app.py");
        std::fs::write(&file, "print(1)\n").expect("write");
        let copies = vec![
            Copy {
                host: file,
                container: "/app/app.py".to_string(),
            },
            Copy {
                host: dir.path().join("gone.py"),
                container: "/app/gone.py".to_string(),
            },
        ];
        let (bytes, copied, deletes) = archive(copies, Vec::new());
        assert_eq!(copied, 1);
        assert_eq!(deletes, ["/app/gone.py"]);
        let mut tar = tar::Archive::new(bytes.as_slice());
        let mut entries = tar.entries().expect("a tar");
        let mut entry = entries.next().expect("one entry").expect("readable");
        assert_eq!(
            entry.path().expect("a path").display().to_string(),
            "app/app.py"
        );
        let pax = entry
            .pax_extensions()
            .expect("readable")
            .expect("a pax header")
            .map(|e| e.expect("an extension").key().expect("utf-8").to_string())
            .collect::<Vec<_>>();
        assert_eq!(pax, ["mtime"]);
        assert_eq!(entry.header().uid().expect("a uid"), 0);
        let mut text = String::new();
        entry.read_to_string(&mut text).expect("read");
        assert_eq!(text, "print(1)\n");
    }
}
