//! Arrow columns read as the engine's typed cells.
//!
//! Owns: which Arrow types a column may have and how each is read: whole
//! numbers (every integer type) as whole numbers, `float64` as itself, text
//! (`string`, `large_string`, `string_view`) as text, and the types whose
//! values a CSV file would hold as text (`float32`, `float16`, decimals,
//! dictionaries of text, integers beyond `int64`) as the text Arrow writes
//! for them; dates (`date32`, `date64`, timestamps, in their time zone when
//! they have one) as calendar days. A null is an empty cell.
//! Never does: judge a value (the engine's row readers do), or copy a
//! column that is read as it is.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::temporal_conversions::{as_datetime, as_datetime_with_timezone};
use arrow_array::timezone::Tz;
use arrow_array::types::{
    Date32Type, Date64Type, Float64Type, Int64Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
};
use arrow_array::{
    Array, ArrayRef, Float64Array, Int64Array, LargeStringArray, StringArray, StringViewArray,
};
use arrow_schema::{DataType, TimeUnit};
use chemodose::batch::Cell;
use chemodose::lines::{DateCell, RecordCell};
use chrono::NaiveDate;

/// A column read as cells: numbers or text.
pub enum Column {
    /// Every cell null (Arrow's `null` type).
    Null,
    /// Whole numbers.
    Integer(Int64Array),
    /// Floating-point numbers.
    Float(Float64Array),
    /// Text with 32-bit offsets.
    Text(StringArray),
    /// Text with 64-bit offsets.
    LargeText(LargeStringArray),
    /// Text views (polars' strings).
    View(StringViewArray),
}

/// A refusal of a column's type, naming the column.
fn unsupported(name: &str, t: &DataType, what: &str) -> String {
    format!("column `{name}` is of Arrow type {t}: chemodose reads {what} there")
}

/// `array` cast to `to` (a copy, for the types read as another).
fn cast(name: &str, array: &ArrayRef, to: &DataType) -> Result<ArrayRef, String> {
    arrow_cast::cast(array, to).map_err(|e| format!("column `{name}`: {e}"))
}

impl Column {
    /// Column `name` of the table, for numbers or text.
    pub fn of(name: &str, array: &ArrayRef) -> Result<Column, String> {
        let t = array.data_type();
        Ok(match t {
            DataType::Null => Column::Null,
            DataType::Int64 => Column::Integer(array.as_primitive::<Int64Type>().clone()),
            DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32 => Column::Integer(
                cast(name, array, &DataType::Int64)?
                    .as_primitive::<Int64Type>()
                    .clone(),
            ),
            DataType::Float64 => Column::Float(array.as_primitive::<Float64Type>().clone()),
            DataType::Utf8 => Column::Text(array.as_string::<i32>().clone()),
            DataType::LargeUtf8 => Column::LargeText(array.as_string::<i64>().clone()),
            DataType::Utf8View => Column::View(array.as_string_view().clone()),
            // A value as a CSV file would hold it: float32 170.1 is the text
            // 170.1 (not 170.10000610351562), a decimal its digits.
            DataType::UInt64
            | DataType::Float16
            | DataType::Float32
            | DataType::Decimal32(..)
            | DataType::Decimal64(..)
            | DataType::Decimal128(..)
            | DataType::Decimal256(..) => Column::Text(
                cast(name, array, &DataType::Utf8)?
                    .as_string::<i32>()
                    .clone(),
            ),
            DataType::Dictionary(_, values) => match values.as_ref() {
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Column::Text(
                    cast(name, array, &DataType::Utf8)?
                        .as_string::<i32>()
                        .clone(),
                ),
                _ => {
                    let plain = cast(name, array, values)?;
                    Column::of(name, &plain)?
                }
            },
            other => return Err(unsupported(name, other, "numbers or text")),
        })
    }

    /// The cell of `row`.
    #[inline]
    pub fn cell(&self, row: usize) -> Cell<'_> {
        match self {
            Column::Null => Cell::Empty,
            Column::Integer(a) if a.is_valid(row) => Cell::Integer(a.value(row)),
            Column::Float(a) if a.is_valid(row) => Cell::Number(a.value(row)),
            Column::Text(a) if a.is_valid(row) => Cell::Text(a.value(row)),
            Column::LargeText(a) if a.is_valid(row) => Cell::Text(a.value(row)),
            Column::View(a) if a.is_valid(row) => Cell::Text(a.value(row)),
            _ => Cell::Empty,
        }
    }

    /// The cell of `row` as a patient id or a drug.
    #[inline]
    pub fn record(&self, row: usize) -> RecordCell<'_> {
        match self.cell(row) {
            Cell::Empty => RecordCell::Empty,
            Cell::Text(t) => RecordCell::Text(t),
            Cell::Integer(i) => RecordCell::Integer(i),
            // Not made: a float column is read as text (`Column::records`).
            Cell::Number(_) => RecordCell::Empty,
        }
    }

    /// Column `name` for patient ids or drugs: whole numbers or text; a
    /// floating-point column is read as the text Arrow writes.
    pub fn records(name: &str, array: &ArrayRef) -> Result<Column, String> {
        match Column::of(name, array)? {
            Column::Float(_) => Ok(Column::Text(
                cast(name, array, &DataType::Utf8)?
                    .as_string::<i32>()
                    .clone(),
            )),
            c => Ok(c),
        }
    }
}

/// A column of dates.
pub enum Dates {
    /// Days since 1970-01-01.
    Date32(arrow_array::Date32Array),
    /// Milliseconds since 1970-01-01.
    Date64(arrow_array::Date64Array),
    /// A timestamp: its unit, and its time zone when it has one (the date is
    /// the day in that zone).
    Timestamp(ArrayRef, TimeUnit, Option<Tz>),
    /// Text (`2019-03-04`).
    Text(Column),
}

impl Dates {
    /// Column `name` of the table, for dates.
    pub fn of(name: &str, array: &ArrayRef) -> Result<Dates, String> {
        Ok(match array.data_type() {
            DataType::Date32 => Dates::Date32(array.as_primitive::<Date32Type>().clone()),
            DataType::Date64 => Dates::Date64(array.as_primitive::<Date64Type>().clone()),
            DataType::Timestamp(unit, tz) => {
                let tz = match tz {
                    None => None,
                    Some(tz) => Some(
                        tz.parse::<Tz>()
                            .map_err(|e| format!("column `{name}`: time zone {tz}: {e}"))?,
                    ),
                };
                Dates::Timestamp(Arc::clone(array), *unit, tz)
            }
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null => {
                Dates::Text(Column::of(name, array)?)
            }
            DataType::Dictionary(_, v)
                if matches!(
                    v.as_ref(),
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                ) =>
            {
                Dates::Text(Column::of(name, array)?)
            }
            other => {
                return Err(unsupported(
                    name,
                    other,
                    "dates (date32, date64, a timestamp) or text such as 2019-03-04",
                ));
            }
        })
    }

    /// The date of `row`.
    #[inline]
    pub fn cell(&self, row: usize) -> DateCell<'_> {
        let day = |d: Option<NaiveDate>| d.map_or(DateCell::Empty, DateCell::Date);
        match self {
            Dates::Date32(a) if a.is_valid(row) => day(a.value_as_date(row)),
            Dates::Date64(a) if a.is_valid(row) => day(a.value_as_date(row)),
            Dates::Timestamp(a, unit, tz) if a.is_valid(row) => {
                day(timestamp_day(a, *unit, tz, row))
            }
            Dates::Text(c) => match c.cell(row) {
                Cell::Text(t) => DateCell::Text(t),
                _ => DateCell::Empty,
            },
            _ => DateCell::Empty,
        }
    }
}

/// The calendar day of a timestamp: in its time zone when it has one, else
/// the day of the date and time as written.
fn timestamp_day(a: &ArrayRef, unit: TimeUnit, tz: &Option<Tz>, row: usize) -> Option<NaiveDate> {
    macro_rules! day {
        ($t:ty) => {{
            let v = a.as_primitive::<$t>().value(row);
            match tz {
                Some(tz) => as_datetime_with_timezone::<$t>(v, *tz).map(|d| d.date_naive()),
                None => as_datetime::<$t>(v).map(|d| d.date()),
            }
        }};
    }
    match unit {
        TimeUnit::Second => day!(TimestampSecondType),
        TimeUnit::Millisecond => day!(TimestampMillisecondType),
        TimeUnit::Microsecond => day!(TimestampMicrosecondType),
        TimeUnit::Nanosecond => day!(TimestampNanosecondType),
    }
}
