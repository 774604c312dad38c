//! `FileStore` against hostile neighbours on the same machine: symbolic links planted where it
//! writes, files of other users, folders others may write, a process that holds the write lock
//! forever, and one damaged record among good ones. Real files in temp folders.
#![cfg(unix)]
#![allow(missing_docs)]

use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use zoho_oauth_core::store::{FileStore, StoreError, StoreKey, TokenRecord, TokenStore};
use zoho_oauth_core::{AccessToken, DynamicScopes, TokenParts};

fn key(user: &str) -> StoreKey {
    StoreKey::new("https://accounts.zoho.com", "1000.CLIENT", user)
}

fn record(secret: &str) -> TokenRecord {
    let scopes = DynamicScopes::parse_list("ZohoProjects.portals.READ").expect("valid");
    let exp = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    TokenRecord::from_parts(&key("u"), &TokenParts::new(AccessToken::new(secret, exp, scopes)), SystemTime::now())
}

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).expect("metadata").permissions().mode() & 0o7777
}

/// A file outside the store's folder that an attacker wants the store to overwrite or read.
fn victim(dir: &Path, content: &str) -> std::path::PathBuf {
    let p = dir.join("victim.txt");
    std::fs::write(&p, content).expect("victim");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    p
}

fn is_unsafe(e: &StoreError, path: &Path) -> bool {
    matches!(e, StoreError::Unsafe { path: p, .. } if p == path)
}

#[tokio::test]
async fn a_link_planted_at_the_old_temp_name_is_not_written_through() {
    let outside = tempfile::tempdir().expect("tempdir");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("tokens.json");
    let target = victim(outside.path(), "do not touch");
    // The name the store used to write through, and a plausible unique-looking one.
    symlink(&target, dir.path().join("tokens.json.tmp")).expect("symlink");
    let store = FileStore::new(&path);
    store.save(&key("u"), &record("1000.aaa.bbb")).await.expect("save");
    assert_eq!(std::fs::read_to_string(&target).expect("victim"), "do not touch");
    assert!(std::fs::symlink_metadata(&path).expect("token file").file_type().is_file());
    assert_eq!(mode(&path), 0o600);
    assert_eq!(store.load(&key("u")).await.expect("load").expect("saved").access_token.expose_secret(), "1000.aaa.bbb");
    // Only the token file, its lock and the planted link are there: no temp file is left over.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
        .collect();
    names.sort();
    assert_eq!(names, ["tokens.json", "tokens.json.lock", "tokens.json.tmp"]);
}

#[tokio::test]
async fn a_token_file_that_is_a_symbolic_link_is_refused_for_reading_and_writing() {
    let outside = tempfile::tempdir().expect("tempdir");
    let dir = tempfile::tempdir().expect("tempdir");
    // A valid token file elsewhere (e.g. one the attacker wrote, or one they want overwritten).
    let real = outside.path().join("real.json");
    FileStore::new(&real).save(&key("u"), &record("1000.planted.token")).await.expect("save");
    let before = std::fs::read_to_string(&real).expect("read");
    let path = dir.path().join("tokens.json");
    symlink(&real, &path).expect("symlink");
    let store = FileStore::new(&path);

    let err = store.load(&key("u")).await.expect_err("a link is not followed");
    assert!(is_unsafe(&err, &path), "{err:?}");
    assert!(err.to_string().contains("symbolic link"), "{err}");
    let err = store.save(&key("u"), &record("1000.mine.token")).await.expect_err("nor written through");
    assert!(is_unsafe(&err, &path), "{err:?}");
    let err = store.remove(&key("u")).await.expect_err("nor removed through");
    assert!(is_unsafe(&err, &path), "{err:?}");
    assert_eq!(std::fs::read_to_string(&real).expect("read"), before, "the link's target is untouched");
    assert!(std::fs::symlink_metadata(&path).expect("link").file_type().is_symlink(), "the link is left");
}

#[tokio::test]
async fn lock_files_that_are_symbolic_links_are_refused() {
    let outside = tempfile::tempdir().expect("tempdir");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("tokens.json");
    let store = FileStore::new(&path);
    // Find the refresh lock's name for the key: take and release it once in a clean folder.
    store
        .lock(&key("u"), Duration::from_secs(1), Duration::from_secs(1))
        .await
        .expect("lock")
        .release()
        .await
        .expect("release");
    let refresh_lock = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|x| x == "lock"))
        .expect("a refresh lock file");
    std::fs::remove_file(&refresh_lock).expect("rm");
    let target = victim(outside.path(), "do not touch");
    symlink(&target, &refresh_lock).expect("symlink");
    let err = store.lock(&key("u"), Duration::from_secs(1), Duration::from_secs(1)).await.expect_err("refresh lock");
    assert!(is_unsafe(&err, &refresh_lock), "{err:?}");

    let write_lock = dir.path().join("tokens.json.lock");
    symlink(&target, &write_lock).expect("symlink");
    let err = store.save(&key("u"), &record("1000.aaa.bbb")).await.expect_err("write lock");
    assert!(is_unsafe(&err, &write_lock), "{err:?}");
    assert!(!path.exists(), "nothing was written");
    assert_eq!(std::fs::read_to_string(&target).expect("victim"), "do not touch");
}

/// `chown` needs root; CI runs as root, so there the test must not skip.
fn chown_to_nobody(p: &Path) -> bool {
    match std::os::unix::fs::lchown(p, Some(65534), Some(65534)) {
        Ok(()) => true,
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("skipped: cannot chown as this user ({e}); run as root to test other owners");
            false
        }
        Err(e) => panic!("CI must run this test as root (chown failed: {e})"),
    }
}

#[tokio::test]
async fn a_token_file_owned_by_another_user_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("tokens.json");
    let store = FileStore::new(&path);
    store.save(&key("u"), &record("1000.aaa.bbb")).await.expect("save");
    if !chown_to_nobody(&path) {
        return;
    }
    let before = std::fs::read(&path).expect("read");
    let err = store.load(&key("u")).await.expect_err("another user's file");
    assert!(is_unsafe(&err, &path), "{err:?}");
    assert!(err.to_string().contains("owned by another user"), "{err}");
    let err = store.save(&key("u"), &record("1000.ccc.ddd")).await.expect_err("not written either");
    assert!(is_unsafe(&err, &path), "{err:?}");
    assert_eq!(std::fs::read(&path).expect("read"), before);
    assert_eq!(std::fs::metadata(&path).expect("metadata").uid(), 65534, "left as it was");
}

#[tokio::test]
async fn a_folder_that_others_may_write_is_refused() {
    let top = tempfile::tempdir().expect("tempdir");
    let dir = top.path().join("tokens");
    let path = dir.join("tokens.json");
    let store = FileStore::new(&path);
    store.save(&key("u"), &record("1000.aaa.bbb")).await.expect("save");
    let before = std::fs::read(&path).expect("read");
    for shared in [0o770, 0o720, 0o707, 0o702, 0o777, 0o1777] {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(shared)).expect("chmod");
        let err = store.load(&key("u")).await.expect_err("load");
        assert!(is_unsafe(&err, &dir), "{shared:o}: {err:?}");
        assert!(err.to_string().contains(&format!("{shared:o}")), "{err}");
        let err = store.save(&key("u"), &record("1000.ccc.ddd")).await.expect_err("save");
        assert!(is_unsafe(&err, &dir), "{shared:o}: {err:?}");
        let err = store.lock(&key("u"), Duration::from_secs(1), Duration::from_secs(1)).await.expect_err("lock");
        assert!(is_unsafe(&err, &dir), "{shared:o}: {err:?}");
        assert_eq!(std::fs::read(&path).expect("read"), before, "{shared:o}");
    }
    // Readable by others is fine (only writing lets them swap files).
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    store.save(&key("u"), &record("1000.ccc.ddd")).await.expect("save in a 0755 folder");
    // A folder of another user (not root) is refused too.
    if chown_to_nobody(&dir) {
        let err = store.load(&key("u")).await.expect_err("another user's folder");
        assert!(is_unsafe(&err, &dir), "{err:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_stuck_writer_makes_a_save_time_out_instead_of_hanging() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("tokens.json");
    let store = FileStore::new(&path).write_lock_wait(Duration::from_secs(5));
    store.save(&key("u"), &record("1000.aaa.bbb")).await.expect("save");

    // Another process holds the write lock and does not let go. The holder gives up after 30 s
    // of real time only so that code that waits forever fails this test instead of hanging it.
    let lock_path = dir.path().join("tokens.json.lock");
    let held = std::fs::OpenOptions::new().read(true).write(true).open(&lock_path).expect("open");
    held.lock().expect("lock");
    let (release, released) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let _ = released.recv_timeout(Duration::from_secs(30));
        drop(held);
    });

    let started = tokio::time::Instant::now();
    let err = store.save(&key("u"), &record("1000.ccc.ddd")).await.expect_err("the lock is held");
    match &err {
        StoreError::LockTimeout { waited, key } => {
            assert_eq!(*waited, Duration::from_secs(5));
            assert!(key.contains("tokens.json.lock"), "{key}");
        }
        other => panic!("expected a lock timeout, got {other:?}"),
    }
    assert_eq!(started.elapsed(), Duration::from_secs(5), "waited exactly the bound (virtual time)");
    let err = store.remove(&key("u")).await.expect_err("remove waits for the same lock");
    assert!(matches!(err, StoreError::LockTimeout { .. }), "{err:?}");
    // Reading needs no write lock, and nothing was lost.
    assert_eq!(store.load(&key("u")).await.expect("load").expect("kept").access_token.expose_secret(), "1000.aaa.bbb");

    release.send(()).expect("release");
    holder.join().expect("holder");
    store.save(&key("u"), &record("1000.ccc.ddd")).await.expect("free again");
    assert_eq!(store.load(&key("u")).await.expect("load").expect("new").access_token.expose_secret(), "1000.ccc.ddd");
}

#[tokio::test]
async fn one_damaged_record_is_quarantined_and_blocks_no_other_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("tokens.json");
    let store = FileStore::new(&path);
    let (ana, bob, eve) = (key("ana@example.com"), key("bob@example.com"), key("eve@example.com"));
    store.save(&ana, &record("1000.ana.token")).await.expect("save");
    store.save(&bob, &record("1000.bob.token")).await.expect("save");

    // Damage bob's record in place: a token-shaped string where a number belongs.
    let secret_shaped = "1000.0123456789abcdef0123456789abcdef.fedcba9876543210fedcba9876543210";
    let mut doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    let damaged = doc["records"][bob.id()].as_object_mut().expect("bob's record");
    damaged.insert("expires_at_ms".into(), secret_shaped.into());
    let damaged = serde_json::Value::Object(damaged.clone());
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).expect("json")).expect("write");

    // Bob's record is a typed error that quotes nothing of it…
    let err = store.load(&bob).await.expect_err("damaged");
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert!(!err.to_string().contains("1000.0123") && !format!("{err:?}").contains("1000.0123"), "{err}");
    assert!(!err.to_string().contains("bob@"), "the user is named by its tag: {err}");
    // …and everyone else reads and writes as usual, keeping bob's damaged record as it is.
    assert_eq!(store.load(&ana).await.expect("ana").expect("ana").access_token.expose_secret(), "1000.ana.token");
    store.save(&ana, &record("1000.ana.second")).await.expect("saving another key works");
    store.save(&eve, &record("1000.eve.token")).await.expect("a new key too");
    store.remove(&eve).await.expect("and removing one");
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    assert_eq!(doc["records"][bob.id()], damaged, "the damaged record is kept as it was");
    assert_eq!(doc["records"].as_object().expect("records").len(), 2);

    // Bob logs in again: the save moves the damaged record aside, byte for byte.
    store.save(&bob, &record("1000.bob.fresh")).await.expect("bob's new token");
    assert_eq!(store.load(&bob).await.expect("bob").expect("bob").access_token.expose_secret(), "1000.bob.fresh");
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    let quarantine = doc["quarantine"].as_object().expect("a quarantine section");
    assert_eq!(quarantine.len(), 1);
    let (name, kept) = quarantine.iter().next().expect("one");
    assert!(name.starts_with(&format!("{}@", bob.id())), "{name}");
    assert_eq!(kept, &damaged);
    // The quarantine survives later writes, and other readers still see a valid file.
    store.save(&ana, &record("1000.ana.third")).await.expect("save");
    let again = FileStore::new(&path);
    assert_eq!(again.load(&ana).await.expect("ana").expect("ana").access_token.expose_secret(), "1000.ana.third");
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    assert_eq!(doc["quarantine"].as_object().expect("kept").len(), 1);
    assert_eq!(mode(&path), 0o600);
}
