//! The exact error text for every file of the bad-regimen corpus
//! (`tests/bad/`, described in its README): each must be refused, with its
//! file, line and column, and the text must not change unreviewed.

use chemodose::regimen::load_regimen_file;

#[test]
fn every_bad_regimen_is_refused_with_a_located_message() {
    insta::glob!("bad", "*.toml", |path| {
        let e = load_regimen_file(path).expect_err("a bad file must be refused");
        // Paths in messages are made relative so that snapshots do not depend on the checkout.
        let shown = path.display().to_string();
        let name = format!("tests/bad/{}", path.file_name().unwrap().to_string_lossy());
        let text = e.to_string().replace(&shown, &name);
        assert!(text.starts_with(&name), "{text}");
        insta::assert_snapshot!(text);
    });
}
