//! Renderers: turn computed results into text for people and machines.
//!
//! Owns: every word and figure a person reads. The ISMP display rules and
//! tall-man names ([`ismp`]), the messages of errors and warnings
//! ([`messages`]), the adjustments in words, and the layouts: aligned text
//! tables, regimen sheets, dose tables, schedules as text, Markdown, HTML,
//! CSV, JSON and iCalendar, histories.
//! Never does: compute a dose, read a file or know about the command line;
//! every renderer is a function of a result value to a string. The
//! calculation modules never import this one: they emit values, and the
//! words are written here.

pub mod config;
pub mod csv;
pub mod dose;
pub mod dose_html;
pub mod dose_md;
pub mod escape;
pub mod explain;
pub mod history;
pub mod ismp;
pub mod json;
pub mod lines;
pub mod messages;
pub mod order;
pub mod order_html;
pub mod provenance;
pub mod regimen;
pub mod regimen_html;
pub mod regimen_list;
pub mod regimen_md;
pub mod rules;
pub mod schedule;
pub mod verify;

/// Lays out rows as an aligned plain-text table: columns padded to their widest
/// cell (counted in characters), separated by two spaces, trailing spaces
/// trimmed. Every cell is [`escape::visible`]: a line break or a control
/// character in a value can neither start a line of the table nor drive the
/// terminal.
pub fn text_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let headers: Vec<std::borrow::Cow<'_, str>> =
        headers.iter().map(|h| escape::visible(h)).collect();
    let headers: Vec<&str> = headers.iter().map(AsRef::as_ref).collect();
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| escape::visible(c).into_owned()).collect())
        .collect();
    let columns = headers.len();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut text = String::new();
        for (i, cell) in cells.enumerate() {
            if i > 0 {
                text.push_str("  ");
            }
            text.push_str(cell);
            let pad = widths[i].saturating_sub(cell.chars().count());
            text.extend(std::iter::repeat_n(' ', pad));
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&mut headers.iter().copied());
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(&mut rule.iter().map(String::as_str));
    for row in &rows {
        line(&mut row.iter().map(String::as_str));
    }
    out
}

/// A Markdown pipe table: the headers as written (our own words), every
/// cell through [`escape::markdown`], so that a value can neither end its
/// cell (`|`) nor become a link, an image or HTML.
pub fn markdown_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut o = markdown_table_head(headers);
    for r in rows {
        o.push_str(&markdown_table_row(r));
    }
    o
}

/// A Markdown pipe table's header and rule line, for a table written row
/// by row ([`markdown_table_row`]).
pub fn markdown_table_head(headers: &[&str]) -> String {
    format!(
        "| {} |\n|{}\n",
        headers.join(" | "),
        "---|".repeat(headers.len())
    )
}

/// One row of a Markdown pipe table, every cell through
/// [`escape::markdown`].
pub fn markdown_table_row<S: AsRef<str>>(cells: &[S]) -> String {
    let cells: Vec<String> = cells.iter().map(|c| escape::markdown(c.as_ref())).collect();
    format!("| {} |\n", cells.join(" | "))
}

/// An HTML table, every header and cell escaped
/// ([`schedule::html::escape`]).
pub fn html_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut o = html_table_head(headers);
    for r in rows {
        o.push_str(&html_table_row(r));
    }
    o.push_str(HTML_TABLE_END);
    o
}

/// An HTML table opened and its header row written, for a table written
/// row by row ([`html_table_row`], then [`HTML_TABLE_END`]).
pub fn html_table_head(headers: &[&str]) -> String {
    use schedule::html::escape;
    let mut o = String::from("<table>\n<thead><tr>");
    for h in headers {
        o.push_str(&format!("<th>{}</th>", escape(h)));
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    o
}

/// One row of an HTML table, every cell escaped.
pub fn html_table_row<S: AsRef<str>>(cells: &[S]) -> String {
    use schedule::html::escape;
    let mut o = String::from("<tr>");
    for c in cells {
        o.push_str(&format!("<td>{}</td>", escape(c.as_ref())));
    }
    o.push_str("</tr>\n");
    o
}

/// What closes an HTML table opened by [`html_table_head`].
pub const HTML_TABLE_END: &str = "</tbody>\n</table>\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_by_characters() {
        let t = text_table(
            &["Formula", "BSA (m²)"],
            &[
                vec!["Mosteller".into(), "1.88".into()],
                vec!["Boyd".into(), "1.9".into()],
            ],
        );
        assert_eq!(
            t,
            "Formula    BSA (m²)\n---------  --------\nMosteller  1.88\nBoyd       1.9\n"
        );
    }
}
