#!/usr/bin/env bash
# Renders a run's index.html in headless Chromium (desktop and phone widths) to PNG.
# Usage: scripts/screenshot-report.sh [RUN_DIR] [OUT_DIR]   (defaults: target/renkei-run, target/renkei-run)
# Installs Debian's chromium and a Japanese font when missing (needs apt and root).
set -euo pipefail
run_dir=${1:-target/renkei-run}
out_dir=${2:-$run_dir}
if ! command -v chromium >/dev/null; then
  apt-get install -y chromium
fi
if ! fc-list :lang=ja 2>/dev/null | grep -q .; then
  apt-get install -y fonts-ipafont-gothic
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
page="file://$(cd "$run_dir" && pwd)/index.html"
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --user-data-dir="$profile")
chromium "${flags[@]}" --window-size=1200,1500 --screenshot="$out_dir/index-desktop.png" "$page" 2>/dev/null
chromium "${flags[@]}" --window-size=390,1400 --screenshot="$out_dir/index-phone.png" "$page" 2>/dev/null
echo "$out_dir/index-desktop.png"
echo "$out_dir/index-phone.png"
