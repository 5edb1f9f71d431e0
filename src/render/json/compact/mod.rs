//! Compact JSON text, byte for byte what `serde_json::to_string` writes,
//! for the web API's answers.
//!
//! Owns: the layout of compact JSON (brackets, commas, colons, `null`) and
//! the quick path for a string that needs no escape. Never does: write a
//! number, or escape a string, itself: numbers, and any string holding a
//! quote, a backslash or a control character, are written by `serde_json`.
//!
//! Why: serde_json checks every byte of every key and string against its
//! escape table one at a time, and a dose answer has some 600 keys; with the
//! layout around it that was a fifth of a dose API request's instructions
//! (`docs/performance.md`, "Fifth round"). Here a string is checked eight
//! bytes at a time, in one machine word, and copied whole when nothing in it
//! needs an escape, as it almost never does. The tests hold the output to
//! serde_json's for every kind of value serde has, every escaped byte at
//! every position, and the dose answer of every bundled regimen.

use serde::ser::{self, Serialize};
use serde_json::Error;

/// `value` as compact JSON text: the same text as `serde_json::to_string`.
pub fn to_compact_string<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    let mut out = String::with_capacity(128);
    value.serialize(Compact { out: &mut out })?;
    Ok(out)
}

/// Whether `b` must be escaped in a JSON string (RFC 8259 §7): a quote, a
/// backslash, or a control character. serde_json escapes these and only
/// these.
const fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// Whether any byte of a word must be escaped, all its bytes at once
/// ("Bit Twiddling Hacks", S. E. Anderson: "Determine if a word has a byte
/// less than n" and "Determine if a word has a zero byte"). `ONES` is the
/// word with every byte 0x01. Exact for the question "any byte?": a byte
/// wrongly flagged is only ever flagged beside one rightly flagged.
macro_rules! word_needs_escape {
    ($x:expr, $t:ty) => {{
        const ONES: $t = <$t>::MAX / 0xFF;
        const HIGH: $t = ONES * 0x80;
        let x: $t = $x;
        let has_zero = |v: $t| v.wrapping_sub(ONES) & !v & HIGH != 0;
        let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGH != 0;
        below_space
            | has_zero(x ^ (ONES * <$t>::from(b'"')))
            | has_zero(x ^ (ONES * <$t>::from(b'\\')))
    }};
}

/// Whether any byte of `bytes` must be escaped: eight bytes at a time
/// (four for a string of four to seven), the last word overlapping the
/// one before it, so that no byte but those of a string under four bytes
/// is checked on its own.
fn any_needs_escape(bytes: &[u8]) -> bool {
    if let Some(last) = bytes.last_chunk::<8>() {
        let (words, _) = bytes.as_chunks::<8>();
        return words
            .iter()
            .chain([last])
            .any(|w| word_needs_escape!(u64::from_le_bytes(*w), u64));
    }
    if let (Some(first), Some(last)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        return word_needs_escape!(u32::from_le_bytes(*first), u32)
            | word_needs_escape!(u32::from_le_bytes(*last), u32);
    }
    bytes.iter().any(|&b| needs_escape(b))
}

/// `s` as a JSON string: copied between quotes when it needs no escape,
/// else written by serde_json.
fn write_str(out: &mut String, s: &str) -> Result<(), Error> {
    if any_needs_escape(s.as_bytes()) {
        out.push_str(&serde_json::to_string(s)?);
        return Ok(());
    }
    out.reserve(s.len() + 2);
    out.push('"');
    out.push_str(s);
    out.push('"');
    Ok(())
}

/// A number (or `null`, for a float that is not finite) as serde_json
/// writes it.
fn write_number<N: Serialize>(out: &mut String, n: N) -> Result<(), Error> {
    // The longest number serde_json writes is 40 bytes (i128::MIN), so it
    // fits here; were it ever longer, to_writer fails, never cuts it short.
    let mut buffer = [0_u8; 64];
    let mut rest = &mut buffer[..];
    serde_json::to_writer(&mut rest, &n)?;
    let written = 64 - rest.len();
    let text = std::str::from_utf8(&buffer[..written]).map_err(ser::Error::custom)?;
    out.push_str(text);
    Ok(())
}

/// The serializer: writes into `out`.
struct Compact<'a> {
    out: &'a mut String,
}

/// An array or object being written: whether a comma comes before the next
/// element, and the closing bracket(s).
struct Compound<'a> {
    out: &'a mut String,
    first: bool,
    /// What closes it: `]`, `}`, or `]}` / `}}` for an enum variant's
    /// `{"variant":[...]}` and `{"variant":{...}}`.
    close: &'static str,
}

impl<'a> Compound<'a> {
    fn open(out: &'a mut String, open: char, close: &'static str) -> Self {
        out.push(open);
        Compound {
            out,
            first: true,
            close,
        }
    }

    fn comma(&mut self) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.comma();
        value.serialize(Compact { out: self.out })
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        self.comma();
        write_str(self.out, key)?;
        self.out.push(':');
        value.serialize(Compact { out: self.out })
    }

    fn close(self) -> Result<(), Error> {
        self.out.push_str(self.close);
        Ok(())
    }
}

/// `{"variant":` before a newtype, tuple or struct variant's value.
fn open_variant(out: &mut String, variant: &str) -> Result<(), Error> {
    out.push('{');
    write_str(out, variant)?;
    out.push(':');
    Ok(())
}

impl<'a> ser::Serializer for Compact<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        write_number(self.out, v)
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        write_number(self.out, v)
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        write_number(self.out, v)
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        write_number(self.out, v)
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        write_number(self.out, v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        write_number(self.out, v)
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        write_number(self.out, v)
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        write_number(self.out, v)
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        write_number(self.out, v)
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        write_number(self.out, v)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        write_number(self.out, v)
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        write_number(self.out, v)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        write_str(self.out, v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        write_str(self.out, v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        // serde_json writes bytes as an array of numbers.
        self.out
            .push_str(&serde_json::to_string(&bytes_as_a_sequence(v))?);
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.push_str("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        write_str(self.out, variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        open_variant(self.out, variant)?;
        value.serialize(Compact { out: self.out })?;
        self.out.push('}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a>, Error> {
        Ok(Compound::open(self.out, '[', "]"))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Compound<'a>, Error> {
        Ok(Compound::open(self.out, '[', "]"))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, Error> {
        Ok(Compound::open(self.out, '[', "]"))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, Error> {
        open_variant(self.out, variant)?;
        Ok(Compound::open(self.out, '[', "]}"))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a>, Error> {
        Ok(Compound::open(self.out, '{', "}"))
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Compound<'a>, Error> {
        Ok(Compound::open(self.out, '{', "}"))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, Error> {
        open_variant(self.out, variant)?;
        Ok(Compound::open(self.out, '{', "}}"))
    }
}

/// Bytes as the sequence of numbers serde_json writes for them.
fn bytes_as_a_sequence(v: &[u8]) -> impl Serialize + '_ {
    struct Seq<'b>(&'b [u8]);
    impl Serialize for Seq<'_> {
        fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }
    Seq(v)
}

/// The four kinds of sequence serde has: elements between brackets.
macro_rules! sequence {
    ($($kind:ident :: $method:ident),*) => {$(
        impl ser::$kind for Compound<'_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.element(value)
            }
            fn end(self) -> Result<(), Error> {
                self.close()
            }
        }
    )*};
}

sequence!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.comma();
        key.serialize(Key { out: self.out })
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.out.push(':');
        value.serialize(Compact { out: self.out })
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

/// The two kinds of struct serde has: named fields between braces.
macro_rules! structure {
    ($($kind:ident),*) => {$(
        impl ser::$kind for Compound<'_> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.field(key, value)
            }
            fn end(self) -> Result<(), Error> {
                self.close()
            }
        }
    )*};
}

structure!(SerializeStruct, SerializeStructVariant);

/// A map with `key` as its one key (and `null` as its value), for
/// serde_json to write a key that is not a string.
struct KeyOnly<K>(K);

impl<K: Serialize> Serialize for KeyOnly<K> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use ser::SerializeMap;
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry(&self.0, &())?;
        map.end()
    }
}

/// A key that is not a string (a number, a bool, a char) written as
/// serde_json writes it, quoted, or refused as serde_json refuses it: the
/// key rules are serde_json's own, not a copy of them.
fn write_key_by_serde_json<K: Serialize>(out: &mut String, key: K) -> Result<(), Error> {
    let text = serde_json::to_string(&KeyOnly(key))?;
    // `{KEY:null}`: the key without the braces and `:null`.
    let key = text
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix(":null}"))
        .ok_or_else(|| ser::Error::custom("serde_json wrote a map key unexpectedly"))?;
    out.push_str(key);
    Ok(())
}

/// A map's key: a string as any other; a number, bool or char quoted by
/// serde_json; anything else refused, as serde_json refuses it.
struct Key<'a> {
    out: &'a mut String,
}

/// What a key that is a sequence, map or struct gets: refused.
type NotAKey = ser::Impossible<(), Error>;

fn key_must_be_a_string() -> Error {
    ser::Error::custom("key must be a string")
}

impl ser::Serializer for Key<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = NotAKey;
    type SerializeTuple = NotAKey;
    type SerializeTupleStruct = NotAKey;
    type SerializeTupleVariant = NotAKey;
    type SerializeMap = NotAKey;
    type SerializeStruct = NotAKey;
    type SerializeStructVariant = NotAKey;

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        write_str(self.out, v)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        write_str(self.out, v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        write_str(self.out, variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        write_key_by_serde_json(self.out, v)
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        write_key_by_serde_json(self.out, v)
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        write_key_by_serde_json(self.out, v)
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        write_key_by_serde_json(self.out, v)
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        write_key_by_serde_json(self.out, v)
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        write_key_by_serde_json(self.out, v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        write_key_by_serde_json(self.out, v)
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        write_key_by_serde_json(self.out, v)
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        write_key_by_serde_json(self.out, v)
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        write_key_by_serde_json(self.out, v)
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        write_key_by_serde_json(self.out, v)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        write_key_by_serde_json(self.out, v)
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        write_key_by_serde_json(self.out, v)
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_none(self) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        // serde_json takes `Some(key)` as the key itself.
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<NotAKey, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple(self, _len: usize) -> Result<NotAKey, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<NotAKey, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<NotAKey, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<NotAKey, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<NotAKey, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<NotAKey, Error> {
        Err(key_must_be_a_string())
    }
}

#[cfg(test)]
mod tests;
