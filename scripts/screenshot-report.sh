#!/usr/bin/env bash
# Renders a run's index.html in headless Chromium (desktop and phone widths) to PNG, then
# checks that the page, every scenario opened, has no sideways overflow at phone width.
# Usage: scripts/screenshot-report.sh [RUN_DIR] [OUT_DIR]   (defaults: target/renkei-run, target/renkei-run)
# Installs Debian's chromium and a Japanese font when missing (needs apt and root).
# Exits non-zero when an image was not written or the phone layout overflows.
set -euo pipefail
run_dir=${1:-target/renkei-run}
out_dir=${2:-$run_dir}
if [ ! -f "$run_dir/index.html" ]; then
  echo "screenshot-report: no $run_dir/index.html" >&2
  exit 1
fi
mkdir -p "$out_dir"
if ! command -v chromium >/dev/null; then
  apt-get install -y chromium
fi
if ! fc-list :lang=ja 2>/dev/null | grep -q .; then
  apt-get install -y fonts-ipafont-gothic
fi
profile=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$profile" "$work"' EXIT
page="file://$(cd "$run_dir" && pwd)/index.html"
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --user-data-dir="$profile")
shoot() { # shoot WIDTHxHEIGHT FILE
  rm -f "$2"
  chromium "${flags[@]}" --window-size="$1" --screenshot="$2" "$page" 2>/dev/null || true
  if [ ! -s "$2" ]; then
    echo "screenshot-report: chromium wrote no image $2" >&2
    exit 1
  fi
  echo "$2"
}
shoot 1200,1500 "$out_dir/index-desktop.png"
shoot 390,1400 "$out_dir/index-phone.png"

# Sideways overflow: the page 390 px wide with every <details> open; a script writes the
# rightmost edge of any element (a scrolling .scroll box counts as its own edge) into the
# title, which --dump-dom prints. (Headless windows are at least 500 px wide, hence the width
# set on the page itself.)
probe="$work/probe.html"
sed -e 's/<details /<details open /g' "$run_dir/index.html" > "$probe"
cat >> "$probe" <<'JS'
<style>html{width:390px}</style>
<script>var m=0;document.querySelectorAll("body *").forEach(function(e){if(e.parentElement.closest(".scroll"))return;var r=e.getBoundingClientRect();if(r.width>0&&r.right>m)m=r.right;});
document.title="overflow "+Math.ceil(m)+" 390";</script>
JS
widths=$(chromium "${flags[@]}" --window-size=390,1400 --dump-dom "file://$probe" 2>/dev/null \
  | sed -n 's#.*<title>overflow \([0-9]*\) \([0-9]*\)</title>.*#\1 \2#p' | head -n 1 || true)
if [ -z "$widths" ]; then
  echo "screenshot-report: could not measure the phone layout" >&2
  exit 1
fi
read -r scroll client <<<"$widths"
if [ "$scroll" -gt "$client" ]; then
  echo "screenshot-report: the page is $scroll px wide at phone width ($client px): sideways overflow" >&2
  exit 1
fi
