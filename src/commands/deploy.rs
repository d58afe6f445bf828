//! `stack deploy --swarm`.
use crate::cli::DeployArgs;
use crate::error::Error;
use crate::interrupts::Interrupts;
use crate::settings::Settings;
use crate::ui::printer::Printer;
pub(crate) async fn deploy(
    _s: &Settings,
    _p: &Printer,
    _i: &Interrupts,
    _a: &DeployArgs,
) -> Result<(), Error> {
    todo!()
}
pub(crate) async fn remove(_s: &Settings, _p: &Printer, _v: bool) -> Result<(), Error> {
    todo!()
}
