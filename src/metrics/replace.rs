//! Putting a finished results directory in place without ever leaving a partial one.
//!
//! A run writes into a temporary sibling `.<name>.tmp-<pid>`. To publish it:
//! 1. an existing target is renamed aside to `.<name>.old.tmp-<pid>`;
//! 2. the temporary directory is renamed to the target;
//! 3. the aside is deleted.
//!
//! Between 1 and 2 (two `rename` calls, microseconds) the target path is absent; it never holds
//! a partial directory: a kill during the writing leaves the old target untouched, a kill during
//! the deletion of the old results deletes only the aside. (`renameat2(RENAME_EXCHANGE)` would
//! close the window on Linux, but needs `libc`, which is not a dependency.)
//!
//! Leftovers of killed runs (temporary directories and asides, both `.<name>.tmp-<pid>`-shaped,
//! which `report` refuses to read) are removed by the next run into the same parent, when the
//! process that made them is no longer alive (checked in `/proc`; where there is no `/proc`,
//! nothing is removed).

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use super::write::WriteError;

/// The temporary directory a run writes `dir`'s results into.
pub fn temp_dir(parent: &Path, name: &str) -> PathBuf {
    parent.join(format!(".{name}.tmp-{}", std::process::id()))
}

/// Where an old target is moved while the new one is renamed in.
fn aside_dir(parent: &Path, name: &str) -> PathBuf {
    parent.join(format!(".{name}.old.tmp-{}", std::process::id()))
}

/// The pid in a leftover's name `.<anything>.tmp-<pid>`, if the name has that shape.
pub fn leftover_pid(name: &str) -> Option<u32> {
    if !name.starts_with('.') {
        return None;
    }
    let (_, pid) = name.rsplit_once(".tmp-")?;
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

/// Whether process `pid` is alive; None where that cannot be told (no `/proc`).
fn alive(pid: u32) -> Option<bool> {
    if pid == std::process::id() {
        return Some(true);
    }
    if !Path::new("/proc/self").exists() {
        return None;
    }
    Some(Path::new("/proc").join(pid.to_string()).exists())
}

/// Removes the leftover directories of killed runs in `parent`; returns what was removed.
pub fn clean_leftovers(parent: &Path) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    let Ok(entries) = fs::read_dir(parent) else {
        return removed;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = leftover_pid(&name) else {
            continue;
        };
        if alive(pid) != Some(false) || !e.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        if fs::remove_dir_all(e.path()).is_ok() {
            removed.push(e.path());
        }
    }
    removed
}

/// Renames the finished directory `tmp` to `dir`, replacing an old `dir` as described above.
pub fn replace_dir(tmp: &Path, dir: &Path, parent: &Path, name: &str) -> Result<(), WriteError> {
    let io = |action: &str, path: &Path| {
        let (action, path) = (action.to_owned(), path.to_path_buf());
        move |source| WriteError::Io {
            action,
            path,
            source,
        }
    };
    let rename_in =
        || fs::rename(tmp, dir).map_err(io(&format!("rename {} to", tmp.display()), dir));
    match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == ErrorKind::NotFound => return rename_in(),
        Err(e) => return Err(io("read", dir)(e)),
        Ok(meta) if !meta.is_dir() => {
            return Err(io("replace", dir)(std::io::Error::other(
                "it exists and is not a directory",
            )))
        }
        Ok(_) => {}
    }
    let aside = aside_dir(parent, name);
    if fs::symlink_metadata(&aside).is_ok() {
        fs::remove_dir_all(&aside).map_err(io("remove stale directory", &aside))?;
    }
    fs::rename(dir, &aside).map_err(io(&format!("rename {} to", dir.display()), &aside))?;
    if let Err(e) = rename_in() {
        let _ = fs::rename(&aside, dir);
        return Err(e);
    }
    // A failure here leaves only the aside, which the next run removes.
    let _ = fs::remove_dir_all(&aside);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftover_names_carry_a_pid() {
        assert_eq!(leftover_pid(".run-1.tmp-123"), Some(123));
        assert_eq!(leftover_pid(".run-1.old.tmp-45"), Some(45));
        assert_eq!(leftover_pid("run-1.tmp-45"), None);
        assert_eq!(leftover_pid(".run-1.tmp-"), None);
        assert_eq!(leftover_pid(".run-1.tmp-4x"), None);
    }

    #[test]
    fn replace_keeps_the_old_target_until_the_new_one_is_in() {
        let base = tempfile::tempdir().unwrap();
        let (tmp, dir) = (base.path().join(".r.tmp-1"), base.path().join("r"));
        fs::create_dir(&tmp).unwrap();
        fs::write(tmp.join("new"), "n").unwrap();
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("old"), "o").unwrap();
        replace_dir(&tmp, &dir, base.path(), "r").unwrap();
        assert!(dir.join("new").exists() && !dir.join("old").exists());
        let names: Vec<_> = fs::read_dir(base.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1, "aside removed");
    }

    #[test]
    fn a_file_in_the_way_is_not_replaced() {
        let base = tempfile::tempdir().unwrap();
        let (tmp, dir) = (base.path().join(".r.tmp-1"), base.path().join("r"));
        fs::create_dir(&tmp).unwrap();
        fs::write(&dir, "x").unwrap();
        let e = replace_dir(&tmp, &dir, base.path(), "r").unwrap_err();
        assert!(e.to_string().contains("not a directory"), "{e}");
    }

    #[test]
    fn only_leftovers_of_dead_processes_are_cleaned() {
        if !Path::new("/proc/self").exists() {
            return;
        }
        let base = tempfile::tempdir().unwrap();
        // Pid 0 is never a process; this process is alive.
        let dead = base.path().join(".r.tmp-0");
        let dead_aside = base.path().join(".r.old.tmp-0");
        let ours = base.path().join(format!(".s.tmp-{}", std::process::id()));
        let other = base.path().join(".not-ours");
        for d in [&dead, &dead_aside, &ours, &other] {
            fs::create_dir(d).unwrap();
        }
        let mut removed = clean_leftovers(base.path());
        removed.sort();
        assert_eq!(removed, vec![dead_aside, dead]);
        assert!(ours.exists() && other.exists());
    }
}
