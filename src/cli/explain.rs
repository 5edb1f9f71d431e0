//! `chemodose explain [CODE]`: what a stop code means, where its rule comes
//! from and how to override it; without a code, the list of codes.

use clap::Args;

use chemodose::render::explain::{codes_text, explain, explanation_text};

use super::{InputError, Report};

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A stop code as a refusal names it: lifetime-limit, hold-docetaxel,
    /// organ-cisplatin-crcl. Leave it out for the list of codes.
    #[arg(value_name = "CODE")]
    code: Option<String>,
}

pub fn run(a: ExplainArgs) -> Result<Report, InputError> {
    let Some(code) = a.code else {
        return Ok(Report::text(codes_text()));
    };
    match explain(&code) {
        Some(e) => Ok(Report::text(explanation_text(&code, e))),
        None => Err(InputError(format!(
            "`{}` is not a stop code; `chemodose explain` lists them",
            chemodose::render::escape::visible(&code)
        ))),
    }
}
