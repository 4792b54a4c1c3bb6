#!/usr/bin/env bash
# Installs whatever is missing to build (and, with `test`, to test) Coffer
# on Debian 12: system packages, npm packages, and tauri-driver. Safe to run
# again: each step checks first and does nothing when already done.
#
#   scripts/setup.sh build   # what `npm start` needs
#   scripts/setup.sh test    # plus Xvfb, WebKitWebDriver, gnome-keyring, tauri-driver,
#                            # python3-venv/-dev for the Python package, and PostgreSQL 15
#                            # (server and pg_virtualenv) for the team-vault tests
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-build}"

build_packages=(build-essential pkg-config curl wget file libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev
  libayatana-appindicator3-dev libssl-dev libxdo-dev libdbus-1-dev)
test_packages=(xvfb xauth webkit2gtk-driver imagemagick x11-apps gnome-keyring dbus dbus-x11 libsecret-tools
  keyutils xclip python3-dbusmock keepassxc python3-venv python3-dev postgresql-15 postgresql-client-15)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

packages=("${build_packages[@]}")
[ "$mode" = test ] && packages+=("${test_packages[@]}")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: run as root or install sudo to add: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null || { echo "setup: Rust is required: install it from https://rustup.rs" >&2; exit 1; }
command -v npm >/dev/null || { echo "setup: Node.js 20.19+ and npm are required" >&2; exit 1; }

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ "$mode" = test ] && [ ! -x .tools/bin/tauri-driver ]; then
  say "installing tauri-driver (WebDriver for the real app)"
  cargo install tauri-driver --locked --version '^2' --root .tools --quiet
fi
