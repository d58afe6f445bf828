//! The one integration-test binary: shared helpers in `common`, one module per area.

mod beyond;
mod common;
mod compose_habits;
mod contexts;
mod detect_live;
mod detection_errors;
mod dockerfile_command;
mod dockerignore_docker;
mod doctor;
mod editor;
mod export_validate;
mod finsight;
mod foreground;
mod fuzz_corpus;
mod hadolint;
mod init;
mod manifest_errors;
mod new_interactive;
mod new_service;
mod new_service_live;
mod schema;
mod stand_ins;
mod up_down;
mod verdict;
mod watch;
