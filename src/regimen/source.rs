//! Where a regimen was read from: the bundled library or a file, and the
//! SHA-256 of the exact bytes read, so that every output can name the file
//! its doses came from (issue 17, part 5).
//!
//! Owns: the origin of a regimen, its digest, and whether a file replaces a
//! bundled regimen of the same id (a `./regimens` folder, `--regimens DIR`
//! or a file path).
//! Never does: read a file (the loader hands it the bytes it read) or write
//! words (the renderers do, `render::provenance`).

use std::fmt;

use sha2::{Digest, Sha256 as Hasher};

/// The SHA-256 of a file's bytes, printed as 64 lower-case hex digits (as
/// `sha256sum` prints it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sha256([u8; 32]);

impl Sha256 {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Sha256 {
        Sha256(Hasher::digest(bytes).into())
    }

    /// The 32 bytes of the digest.
    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Written in one piece: every dose answer prints two digests, and a
        // formatting call per byte was 1 % of a web request's time.
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut text = [0u8; 64];
        for (pair, b) in text.chunks_exact_mut(2).zip(self.0) {
            pair[0] = HEX[usize::from(b >> 4)];
            pair[1] = HEX[usize::from(b & 0x0f)];
        }
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

/// Where the bytes came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Compiled into the binary from the repository's `regimens/` folder.
    Bundled {
        /// The file name in the bundled library (`doxorubicin.toml`).
        file: String,
    },
    /// A file read at run time: from a regimen folder, or named by path.
    File {
        /// The path as it was given or found (`regimens/doxorubicin.toml`).
        path: String,
    },
}

/// A regimen's provenance: where it was read from and the digest of the
/// bytes read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegimenSource {
    /// Bundled or a file.
    pub origin: Origin,
    /// SHA-256 of the bytes read (for a bundled regimen, the bytes embedded,
    /// which are those of its file in the repository).
    pub sha256: Sha256,
    /// For a file whose id is also a bundled regimen's: the bundled file it
    /// replaces, and that file's digest. `None` for a bundled regimen and for
    /// a file with an id of its own.
    pub replaces_bundled: Option<ReplacedBundled>,
}

/// The bundled regimen a file replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplacedBundled {
    /// The bundled file name (`doxorubicin.toml`).
    pub file: String,
    /// Its SHA-256: equal to the file's when the contents are the same.
    pub sha256: Sha256,
}

impl RegimenSource {
    /// A bundled regimen file, from its name and embedded text.
    pub fn bundled(file: &str, text: &str) -> RegimenSource {
        RegimenSource {
            origin: Origin::Bundled {
                file: file.to_owned(),
            },
            sha256: Sha256::of(text.as_bytes()),
            replaces_bundled: None,
        }
    }

    /// A file read at run time that holds regimen `id`: its path as shown
    /// and the digest of the bytes read. Notes the bundled regimen of the
    /// same id, when there is one.
    pub fn file(path: &str, sha256: Sha256, id: &str) -> RegimenSource {
        let name = format!("{id}.toml");
        let replaces_bundled =
            super::bundled()
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(n, text)| ReplacedBundled {
                    file: (*n).to_owned(),
                    sha256: Sha256::of(text.as_bytes()),
                });
        RegimenSource {
            origin: Origin::File {
                path: path.to_owned(),
            },
            sha256,
            replaces_bundled,
        }
    }

    /// True when a bundled regimen of the same id was replaced by a file
    /// with different bytes.
    pub fn differs_from_bundled(&self) -> bool {
        self.replaces_bundled
            .as_ref()
            .is_some_and(|r| r.sha256 != self.sha256)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_of_known_strings() {
        // FIPS 180-2 appendix B.1 ("abc") and the digest of no bytes.
        assert_eq!(
            Sha256::of(b"abc").to_string(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            Sha256::of(b"").to_string(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn a_file_with_a_bundled_id_names_what_it_replaces() {
        let same = RegimenSource::file(
            "x/doxorubicin.toml",
            Sha256::of(
                super::super::bundled()
                    .iter()
                    .find(|(n, _)| *n == "doxorubicin.toml")
                    .unwrap()
                    .1
                    .as_bytes(),
            ),
            "doxorubicin",
        );
        let r = same.replaces_bundled.as_ref().unwrap();
        assert_eq!(r.file, "doxorubicin.toml");
        assert!(!same.differs_from_bundled());
        let other = RegimenSource::file("x/doxorubicin.toml", Sha256::of(b"x"), "doxorubicin");
        assert!(other.differs_from_bundled());
        let own = RegimenSource::file("x/my-own.toml", Sha256::of(b"x"), "my-own");
        assert_eq!(own.replaces_bundled, None);
    }
}
