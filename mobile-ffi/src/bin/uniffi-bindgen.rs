//! The UniFFI bindings generator, built from this workspace so its version always matches
//! the library's: `cargo uniffi-bindgen generate --library <lib> --language kotlin …`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
