// Rebuild when a migration changes: `MIGRATOR` embeds the files at compile time.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
