//! Release builds embed `static/` and `catalog/` (src/assets.rs): a file added
//! there must rebuild the binary, which the embedding alone does not ask for.
//! Debug builds read those folders at start, so editing a page rebuilds nothing.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    if std::env::var("PROFILE").as_deref() == Ok("release") {
        println!("cargo::rerun-if-changed=static");
        println!("cargo::rerun-if-changed=catalog");
    }
}
