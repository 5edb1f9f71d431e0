//! Where the site configuration is found: a pure function of what the
//! command line, the environment and the file system say, so that every
//! case is tested without touching any of them.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// The file name looked for in the working directory and the user's
/// configuration folder.
pub const FILE_NAME: &str = "chemodose.toml";

/// The environment variable that names a configuration file.
pub const ENV_VAR: &str = "CHEMODOSE_CONFIG";

/// How the configuration file in force was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// Named on the command line (`--config FILE`).
    Flag,
    /// Named by `$CHEMODOSE_CONFIG`.
    Env,
    /// `./chemodose.toml` in the working directory.
    WorkingDirectory,
    /// `chemodose.toml` in the user's configuration folder.
    UserConfig,
}

/// A configuration file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The file (absolute when the working directory is).
    pub path: PathBuf,
    /// How it was found.
    pub how: How,
}

/// A configuration file named explicitly (on the command line or by the
/// environment) that does not exist: an error, never "no configuration".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the site configuration file {} does not exist", path.display())]
pub struct MissingConfig {
    /// The file named.
    pub path: PathBuf,
    /// Who named it ([`How::Flag`] or [`How::Env`]).
    pub how: How,
}

/// The configuration file in force, in this order: the command line's
/// `flag`, else the environment's `env` (an empty value counts as unset),
/// else `chemodose.toml` in `cwd`, else `chemodose.toml` in `user_dir` (the
/// user's configuration folder, `~/.config/chemodose` on Linux); `None`
/// when none of the default files exists. A relative name is taken from
/// `cwd`. `exists` says whether a path is a file to read.
///
/// # Errors
/// [`MissingConfig`] when the file named by `flag` or `env` does not exist.
pub fn discover(
    flag: Option<&Path>,
    env: Option<&OsStr>,
    cwd: &Path,
    user_dir: Option<&Path>,
    exists: impl Fn(&Path) -> bool,
) -> Result<Option<Found>, MissingConfig> {
    let named = flag.map(|p| (p.to_path_buf(), How::Flag)).or_else(|| {
        env.filter(|v| !v.is_empty())
            .map(|v| (PathBuf::from(v), How::Env))
    });
    if let Some((path, how)) = named {
        let path = cwd.join(path);
        return if exists(&path) {
            Ok(Some(Found { path, how }))
        } else {
            Err(MissingConfig { path, how })
        };
    }
    let local = cwd.join(FILE_NAME);
    if exists(&local) {
        return Ok(Some(Found {
            path: local,
            how: How::WorkingDirectory,
        }));
    }
    Ok(user_dir.map(|d| d.join(FILE_NAME)).and_then(|path| {
        exists(&path).then_some(Found {
            path,
            how: How::UserConfig,
        })
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(
        flag: Option<&str>,
        env: Option<&str>,
        files: &[&str],
    ) -> Result<Option<Found>, MissingConfig> {
        let files: Vec<PathBuf> = files.iter().map(PathBuf::from).collect();
        discover(
            flag.map(Path::new),
            env.map(OsStr::new),
            Path::new("/work"),
            Some(Path::new("/home/p/.config/chemodose")),
            |p| files.iter().any(|f| f == p),
        )
    }

    fn found(path: &str, how: How) -> Result<Option<Found>, MissingConfig> {
        Ok(Some(Found {
            path: PathBuf::from(path),
            how,
        }))
    }

    const BOTH: [&str; 4] = [
        "/work/site.toml",
        "/etc/env.toml",
        "/work/chemodose.toml",
        "/home/p/.config/chemodose/chemodose.toml",
    ];

    #[test]
    fn the_flag_then_the_environment_then_the_folders() {
        assert_eq!(
            find(Some("site.toml"), Some("/etc/env.toml"), &BOTH),
            found("/work/site.toml", How::Flag)
        );
        assert_eq!(
            find(None, Some("/etc/env.toml"), &BOTH),
            found("/etc/env.toml", How::Env)
        );
        assert_eq!(
            find(None, None, &BOTH),
            found("/work/chemodose.toml", How::WorkingDirectory)
        );
        assert_eq!(
            find(None, Some(""), &BOTH[3..]),
            found("/home/p/.config/chemodose/chemodose.toml", How::UserConfig)
        );
        assert_eq!(find(None, None, &[]), Ok(None));
    }

    #[test]
    fn a_named_file_that_is_missing_is_an_error() {
        // The working directory's file is not a fallback for a mistyped name.
        let e = find(Some("sit.toml"), None, &BOTH).unwrap_err();
        assert_eq!(e.path, PathBuf::from("/work/sit.toml"));
        assert_eq!(e.how, How::Flag);
        let e = find(None, Some("gone.toml"), &BOTH).unwrap_err();
        assert_eq!(e.how, How::Env);
        assert_eq!(
            e.to_string(),
            "the site configuration file /work/gone.toml does not exist"
        );
    }
}
