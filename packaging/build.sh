#!/usr/bin/env bash
# Builds the Impetus packages from one release build: the .deb with cargo-deb and the .rpm with
# cargo-generate-rpm, both described in core/impetus/Cargo.toml ([package.metadata.deb] and
# [package.metadata.generate-rpm]) from the files in this folder.
#
#   packaging/build.sh [deb|rpm|all]      (default: all)
#
# Output: target/debian/impetus_<version>-1_<arch>.deb, target/generate-rpm/impetus-<version>-1.<arch>.rpm.
# The cargo subcommands are installed (`cargo install --locked`) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
case "$what" in deb | rpm | all) ;; *) echo "usage: $0 [deb|rpm|all]" >&2; exit 2 ;; esac

need() {
  if ! cargo "$1" --version >/dev/null 2>&1; then
    echo "Installing cargo-$1 ..." >&2
    cargo install "cargo-$1" --locked
  fi
}

cargo build --release -p impetus

if [ "$what" != rpm ]; then
  need deb
  rm -f target/debian/impetus_*.deb
  cargo deb -p impetus --no-build --strip --output target/debian/
  ls target/debian/impetus_*.deb
fi

if [ "$what" != deb ]; then
  need generate-rpm
  # cargo-generate-rpm packages the file as it is: strip a copy (cargo-deb strips its own copy).
  strip -o target/release/impetus-stripped target/release/impetus
  rm -f target/generate-rpm/impetus-*.rpm
  mkdir -p target/generate-rpm
  cargo generate-rpm -p core/impetus -o target/generate-rpm
  ls target/generate-rpm/impetus-*.rpm
fi
