//! The compact writer against serde_json: every kind of serde value, every
//! byte that needs an escape at every position, map keys, value trees.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::json;

use super::*;

/// The text serde_json writes, and the same text from here.
fn same<T: Serialize + ?Sized>(value: &T) -> String {
    let theirs = serde_json::to_string(value).unwrap();
    let ours = to_compact_string(value).unwrap();
    assert_eq!(ours, theirs);
    ours
}

#[derive(Serialize)]
struct Unit;

#[derive(Serialize)]
struct Newtype(f64);

#[derive(Serialize)]
struct Pair(i32, &'static str);

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Plain,
    Wrapped(u8),
    Two(u8, u8),
    Named { a: u8, b: Option<u8> },
}

#[derive(Serialize)]
struct Everything {
    yes: bool,
    no: bool,
    small: i8,
    short: i16,
    int: i32,
    long: i64,
    huge: i128,
    byte: u8,
    ushort: u16,
    uint: u32,
    ulong: u64,
    uhuge: u128,
    single: f32,
    double: f64,
    whole: f64,
    tiny: f64,
    big: f64,
    not_a_number: f64,
    infinite: f64,
    letter: char,
    quote: char,
    text: &'static str,
    bytes: &'static [u8],
    none: Option<u8>,
    some: Option<u8>,
    unit: (),
    unit_struct: Unit,
    newtype: Newtype,
    tuple: (u8, &'static str, bool),
    tuple_struct: Pair,
    empty_list: Vec<u8>,
    list: Vec<Kind>,
    empty_map: BTreeMap<String, u8>,
    map: BTreeMap<&'static str, Vec<Option<f64>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<u8>,
    #[serde(flatten)]
    flattened: BTreeMap<String, u8>,
    decimal: rust_decimal::Decimal,
    date: chrono::NaiveDate,
}

#[test]
fn every_kind_of_value_is_written_as_serde_json_writes_it() {
    let text = same(&Everything {
        yes: true,
        no: false,
        small: -128,
        short: i16::MIN,
        int: -7,
        long: i64::MAX,
        huge: i128::MIN,
        byte: 255,
        ushort: 0,
        uint: u32::MAX,
        ulong: u64::MAX,
        uhuge: u128::MAX,
        single: 0.1,
        double: 1638.0000000000002,
        whole: 1638.0,
        tiny: 5e-324,
        big: 1.7976931348623157e308,
        not_a_number: f64::NAN,
        infinite: f64::NEG_INFINITY,
        letter: 'é',
        quote: '"',
        text: "DOCEtaxel 182 mg",
        bytes: b"\x00\xff",
        none: None,
        some: Some(3),
        unit: (),
        unit_struct: Unit,
        newtype: Newtype(1.82),
        tuple: (1, "two", true),
        tuple_struct: Pair(-1, "m²"),
        empty_list: vec![],
        list: vec![
            Kind::Plain,
            Kind::Wrapped(1),
            Kind::Two(2, 3),
            Kind::Named { a: 4, b: None },
        ],
        empty_map: BTreeMap::new(),
        map: BTreeMap::from([("a", vec![None, Some(-0.0)]), ("b\n", vec![])]),
        skipped: None,
        flattened: BTreeMap::from([("extra".to_owned(), 9)]),
        decimal: a_decimal(),
        date: chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
    });
    // Read back: the text is JSON, and the values are there.
    let back: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(back["double"], json!(1638.0000000000002));
    assert_eq!(back["not_a_number"], json!(null));
    assert_eq!(back["list"][3], json!({"Named": {"a": 4, "b": null}}));
    assert_eq!(back["extra"], json!(9));
}

fn a_decimal() -> rust_decimal::Decimal {
    rust_decimal::Decimal::new(18_225, 4)
}

#[test]
fn every_byte_that_needs_an_escape_is_found_wherever_it_stands() {
    // Each character a JSON string escapes (and some it does not), at
    // every position of strings of 1 to 40 bytes: the words of eight
    // and four bytes, their overlap, and the bytes checked alone.
    let specials: Vec<char> = (0_u8..0x20)
        .map(char::from)
        .chain([
            '"', '\\', '/', '\u{7f}', 'é', '²', '\u{2028}', '😀', ' ', '~',
        ])
        .collect();
    let mut checked = 0;
    for len in 1..=40 {
        for at in 0..len {
            for &c in &specials {
                let s: String = (0..len).map(|i| if i == at { c } else { 'a' }).collect();
                same(&s);
                same(&BTreeMap::from([(s.as_str(), 1)]));
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 820 * 42);
    same("");
    same(&BTreeMap::from([("", "")]));
}

#[test]
fn bytes_above_the_escapes_are_not_mistaken_for_them() {
    // Every byte from 0x20 up (as characters, in UTF-8), in words, for
    // the borrow of the word arithmetic.
    for c in (0x20_u32..0x800).filter_map(char::from_u32) {
        for len in [1, 3, 4, 7, 8, 9, 16, 17] {
            same(&std::iter::repeat_n(c, len).collect::<String>());
        }
    }
}

#[test]
fn map_keys_that_are_not_strings_are_written_or_refused_as_serde_json_does() {
    same(&BTreeMap::from([(1_u8, "one"), (200, "two hundred")]));
    same(&BTreeMap::from([(-5_i64, 1)]));
    same(&BTreeMap::from([(u128::MAX, 1)]));
    same(&BTreeMap::from([(true, 1), (false, 0)]));
    same(&BTreeMap::from([('"', 1), ('x', 2)]));
    same(&BTreeMap::from([(Kind::Plain, 1)]));
    same(&BTreeMap::from([(Some("some"), 1)]));
    assert!(serde_json::to_string(&BTreeMap::from([(None::<&str>, 1)])).is_err());
    assert!(to_compact_string(&BTreeMap::from([(None::<&str>, 1)])).is_err());
    #[derive(Serialize, PartialEq, PartialOrd)]
    struct Wrapper(f64);
    let floats = vec![(Wrapper(1.5), 1)];
    let as_map = |v: &Vec<(Wrapper, i32)>| -> Result<String, String> {
        struct M<'m>(&'m Vec<(Wrapper, i32)>);
        impl Serialize for M<'_> {
            fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
            }
        }
        let ours = to_compact_string(&M(v)).map_err(|e| e.to_string());
        let theirs = serde_json::to_string(&M(v)).map_err(|e| e.to_string());
        assert_eq!(ours.is_ok(), theirs.is_ok(), "{ours:?} {theirs:?}");
        if ours.is_ok() {
            assert_eq!(ours, theirs);
        }
        ours
    };
    as_map(&floats).unwrap();
    as_map(&vec![(Wrapper(f64::NAN), 1)]).unwrap_err();
    // A key that is a list or a map: refused by both.
    let list_key = BTreeMap::from([(vec![1], 1)]);
    assert!(serde_json::to_string(&list_key).is_err());
    assert!(to_compact_string(&list_key).is_err());
    let variant_key = BTreeMap::from([(Kind::Wrapped(1), 1)]);
    assert!(serde_json::to_string(&variant_key).is_err());
    assert!(to_compact_string(&variant_key).is_err());
}

#[test]
fn a_value_tree_is_written_as_serde_json_writes_it() {
    same(&json!({
        "b": [1, -2, 3.5, 1e300, 12345678901234567890_u64, null, true],
        "a": {"nested": [{"x": "y\u{0}z"}, [], {}]},
        "c": "tab\there, quote\" and backslash\\ and m² and 😀",
    }));
}
