//! `stack push`.
use crate::cli::PushArgs;
use crate::error::Error;
use crate::interrupts::Interrupts;
use crate::settings::Settings;
use crate::ui::printer::Printer;
pub(crate) async fn push(
    _s: &Settings,
    _p: &Printer,
    _i: &Interrupts,
    _a: &PushArgs,
) -> Result<(), Error> {
    todo!()
}
