//! The site configuration in force, in words: the one line every output
//! carries when a `chemodose.toml` was read (text and Markdown at the head,
//! the HTML page's footer, a JSON field), naming the file and the settings
//! taken from it.
//!
//! Never does: find or read the file (the command line does), or say
//! anything when no configuration is in force (the output is then exactly
//! as without this module).

use crate::config::InForce;

/// `Site config: /etc/chemodose.toml (dose.bsa_formula, schedule.paper)`.
pub fn site_config_line(c: &InForce) -> String {
    let used = if c.settings.is_empty() {
        "no setting used by this command".to_owned()
    } else {
        c.settings.join(", ")
    };
    format!("Site config: {} ({used})", super::escape::visible(&c.file))
}

/// The line as Markdown text (the file name's Markdown syntax written as text).
pub fn site_config_markdown(c: &InForce) -> String {
    super::escape::markdown(&site_config_line(c))
}

/// The line as an HTML paragraph for a page's footer.
pub fn site_config_html(c: &InForce) -> String {
    format!(
        "<p class=\"site-config\">{}</p>\n",
        super::schedule::html::escape(&site_config_line(c))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_names_the_file_and_the_settings() {
        let c = InForce {
            file: "/etc/chemodose.toml".to_owned(),
            settings: vec!["dose.bsa_formula".to_owned(), "schedule.paper".to_owned()],
        };
        assert_eq!(
            site_config_line(&c),
            "Site config: /etc/chemodose.toml (dose.bsa_formula, schedule.paper)"
        );
        let none = InForce {
            file: "a<b>.toml".to_owned(),
            settings: Vec::new(),
        };
        assert_eq!(
            site_config_html(&none),
            "<p class=\"site-config\">Site config: a&lt;b&gt;.toml (no setting used by this command)</p>\n"
        );
    }
}
