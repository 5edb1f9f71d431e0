//! A small builder for running the real `chemodose` binary in tests.
#![allow(dead_code)]

use std::process::{Command, Output};

pub struct Run {
    output: Output,
}

impl Run {
    pub fn new(args: &[&str]) -> Self {
        Self::in_dir(args, env!("CARGO_MANIFEST_DIR"))
    }

    pub fn in_dir(args: &[&str], dir: &str) -> Self {
        let output = Command::new(env!("CARGO_BIN_EXE_chemodose"))
            .args(args)
            .current_dir(dir)
            .env_remove("CHEMODOSE_REGIMENS")
            .output()
            .expect("run chemodose");
        Run { output }
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    pub fn code(&self) -> Option<i32> {
        self.output.status.code()
    }

    /// Asserts exit 0 and returns stdout.
    pub fn success(&self) -> String {
        assert_eq!(
            self.code(),
            Some(0),
            "stderr: {}\nstdout: {}",
            self.stderr(),
            self.stdout()
        );
        self.stdout()
    }

    /// Asserts the exit code and returns stderr.
    pub fn fails(&self, code: i32) -> String {
        assert_eq!(
            self.code(),
            Some(code),
            "stderr: {}\nstdout: {}",
            self.stderr(),
            self.stdout()
        );
        assert!(!self.stderr().contains("panicked"), "{}", self.stderr());
        self.stderr()
    }
}
