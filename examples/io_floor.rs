//! The I/O floor for `chemodose batch`: read the patient CSV with the `csv`
//! crate and write an output file of a given size, doing no dosing at all.
//!
//! cargo run --release --example io_floor -- patients.csv out.csv BYTES

use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, input, output, bytes] = args.as_slice() else {
        return Err("usage: io_floor INPUT.csv OUTPUT.csv BYTES".into());
    };
    let target: usize = bytes.parse()?;
    let start = std::time::Instant::now();
    let mut reader = csv::ReaderBuilder::new().from_path(input)?;
    let mut writer = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(output)?);
    let mut record = csv::ByteRecord::new();
    let (mut rows, mut written) = (0u64, 0usize);
    let mut line = Vec::with_capacity(128);
    while reader.read_byte_record(&mut record)? {
        rows += 1;
        // An output line of the same average length, from the fields read.
        line.clear();
        for f in record.iter() {
            line.extend_from_slice(f);
            line.push(b',');
        }
        writer.write_all(&line)?;
        written += line.len();
    }
    // Pad to the size of chemodose's output, so both write the same bytes.
    let pad = vec![b'0'; 1 << 20];
    while written < target {
        let n = (target - written).min(pad.len());
        writer.write_all(&pad[..n])?;
        written += n;
    }
    writer.flush()?;
    eprintln!(
        "{rows} rows read, {written} bytes written in {:.3} s",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
