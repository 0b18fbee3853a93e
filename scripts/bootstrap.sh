#!/usr/bin/env bash
# Set up what nnsim needs, then stop. Safe to run again: each step is skipped when already done.
#
#   bash scripts/bootstrap.sh [EXTRAS]
#
# EXTRAS is a comma-separated list of pyproject extras: empty for the app, "test,reference" for the
# test suite. Steps:
#   1. a Python >= 3.10 with its venv module (Debian's python3-venv is installed with apt when missing);
#   2. Qt's system libraries, with apt-get when missing (sudo when not root);
#   3. a virtual environment in .venv at the repository root, with nnsim installed editable
#      (skipped when .venv/.installed-<hash of pyproject.toml and EXTRAS> exists).
#
# Environment:
#   NNSIM_PYTHON    the Python to build .venv from (default: python3, else python3.13 ... python3.10)
#   NNSIM_QT_LIBS   which Qt libraries to install: "window" (default: a real window and offscreen),
#                   "offscreen" (tests) or "none" (skip apt entirely)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

EXTRAS="${1:-}"
QT_LIBS="${NNSIM_QT_LIBS:-window}"
VENV="$ROOT/.venv"

OFFSCREEN_PACKAGES=(libgl1 libegl1 libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon0)
WINDOW_PACKAGES=(libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0
                 libxcb-shape0 libxkbcommon-x11-0)

log() { printf 'bootstrap: %s\n' "$*" >&2; }
die() { printf 'bootstrap: error: %s\n' "$*" >&2; exit 1; }

# ---- apt helpers -------------------------------------------------------------------------------

is_installed() {  # is_installed PACKAGE: true when dpkg knows it as installed
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'
}

APT_UPDATED=0
apt_install() {  # apt_install WHY PACKAGE...: install with apt-get, as root or through sudo
    local why="$1"
    shift
    local runner=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            runner=(sudo)
        else
            die "$why needs these system packages, and installing them needs root (no sudo here):
    apt-get install -y --no-install-recommends $*
  Install them as root, then run this again."
        fi
    fi
    command -v apt-get >/dev/null 2>&1 \
        || die "$why needs these Debian/Ubuntu packages, and apt-get is missing: $*"
    log "installing $* (for $why)"
    if [ "$APT_UPDATED" -eq 0 ]; then
        ${runner[@]+"${runner[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        APT_UPDATED=1
    fi
    ${runner[@]+"${runner[@]}"} env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# ---- 1. Python ---------------------------------------------------------------------------------

python_ok() {  # python_ok CMD: true when CMD is Python >= 3.10
    command -v "$1" >/dev/null 2>&1 \
        && "$1" -c 'import sys; sys.exit(sys.version_info < (3, 10))' >/dev/null 2>&1
}

find_python() {
    local candidate
    for candidate in "${NNSIM_PYTHON:-}" python3 python3.13 python3.12 python3.11 python3.10 python3.14; do
        if [ -n "$candidate" ] && python_ok "$candidate"; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

venv_works() {  # the existing .venv runs (it breaks when the Python it was made from is gone)
    [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
        >/dev/null 2>&1
}

make_venv() {
    local python
    python="$(find_python)" || die "nnsim needs Python 3.10 or newer as python3 (or set NNSIM_PYTHON).
  On Debian/Ubuntu: apt-get install python3 python3-venv"
    local version
    version="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    if ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
        # Debian and Ubuntu ship venv's pip bootstrap separately.
        local package=python3-venv
        if command -v apt-cache >/dev/null 2>&1 && apt-cache show "python$version-venv" >/dev/null 2>&1; then
            package="python$version-venv"
        fi
        apt_install "Python's venv module" "$package"
        "$python" -c 'import venv, ensurepip' >/dev/null 2>&1 \
            || die "$python still lacks the venv module after installing $package"
    fi
    log "creating .venv with $python (Python $version)"
    rm -rf "$VENV"
    "$python" -m venv "$VENV" || { rm -rf "$VENV"; die "could not create .venv with $python"; }
}

# ---- 2. Qt's system libraries ------------------------------------------------------------------

install_qt_libraries() {
    local wanted=()
    case "$QT_LIBS" in
        none) return 0 ;;
        offscreen) wanted=("${OFFSCREEN_PACKAGES[@]}") ;;
        window) wanted=("${OFFSCREEN_PACKAGES[@]}" "${WINDOW_PACKAGES[@]}") ;;
        *) die "NNSIM_QT_LIBS must be window, offscreen or none, not '$QT_LIBS'" ;;
    esac
    if ! command -v dpkg-query >/dev/null 2>&1; then
        log "not a Debian/Ubuntu system: skipping the check for Qt's libraries (on Debian they are: ${wanted[*]})"
        return 0
    fi
    local missing=() package
    for package in "${wanted[@]}"; do
        is_installed "$package" || missing+=("$package")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        apt_install "Qt" "${missing[@]}"
    fi
}

# ---- 3. the virtual environment ----------------------------------------------------------------

install_nnsim() {
    local stamp
    stamp="$VENV/.installed-$("$VENV/bin/python" - "$EXTRAS" <<'PY'
import hashlib
import sys

digest = hashlib.sha256(open("pyproject.toml", "rb").read())
digest.update(b"\0" + sys.argv[1].encode())
print(digest.hexdigest()[:16])
PY
)"
    if [ -e "$stamp" ]; then
        log ".venv is up to date${EXTRAS:+ (extras: $EXTRAS)}"
        return 0
    fi
    local target="."
    [ -n "$EXTRAS" ] && target=".[$EXTRAS]"
    log "installing nnsim into .venv: pip install -e \"$target\""
    "$VENV/bin/python" -m pip install --disable-pip-version-check -e "$target"
    touch "$stamp"
}

install_qt_libraries
venv_works || make_venv
install_nnsim
