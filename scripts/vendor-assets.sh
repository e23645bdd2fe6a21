#!/usr/bin/env bash
# Re-creates static/vendor/ from the npm registry at pinned versions. The files are committed,
# so neither CI nor `make run` needs npm; run this only to upgrade.
set -euo pipefail
BOOTSTRAP=5.3.9
CHARTJS=4.6.1
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund "bootstrap@$BOOTSTRAP" "chart.js@$CHARTJS")
out="$root/static/vendor"
rm -rf "$out" && mkdir -p "$out/bootstrap" "$out/chartjs"
cp "$tmp"/node_modules/bootstrap/dist/css/bootstrap.min.css{,.map} "$out/bootstrap/"
cp "$tmp"/node_modules/bootstrap/dist/js/bootstrap.bundle.min.js{,.map} "$out/bootstrap/"
cp "$tmp"/node_modules/bootstrap/LICENSE "$out/bootstrap/"
cp "$tmp"/node_modules/chart.js/dist/chart.umd.min.js "$out/chartjs/"
[ -f "$tmp"/node_modules/chart.js/dist/chart.umd.min.js.map ] && cp "$tmp"/node_modules/chart.js/dist/chart.umd.min.js.map "$out/chartjs/"
cp "$tmp"/node_modules/chart.js/LICENSE.md "$out/chartjs/"
echo "bootstrap $BOOTSTRAP, chart.js $CHARTJS -> $out"
