#!/usr/bin/env bash
# A scene file with a negative radius is refused with its name and the
# JSON location, exit status 1, and no PNG (or temporary) appears. Exits
# non-zero when any of that is not so.
txray=$1; dir=$2
scene=$dir/bad-scene.json; out=$dir/refused.png
rm -f "$out" "$out.tmp"
cat > "$scene" <<'JSON'
{
  "camera": {"position": [0, 0, 5], "look_at": [0, 0, 0], "up": [0, 1, 0], "vfov_degrees": 45},
  "materials": [{"name": "grey", "color": [0.5, 0.5, 0.5]}],
  "lights": [{"position": [0, 5, 5], "color": [1, 1, 1]}],
  "objects": [{"shape": "sphere", "material": "grey", "center": [0, 0, 0], "radius": -1}]
}
JSON
output=$("$txray" render --scene "$scene" --out "$out" 2>&1)
status=$?
printf '%s\n' "$output"
[ "$status" -eq 1 ] || { echo "expected exit status 1, got $status"; exit 1; }
printf '%s\n' "$output" | grep -q "bad-scene.json: /objects/0/radius" ||
  { echo "the message does not name the file and the JSON location"; exit 1; }
[ ! -e "$out" ] && [ ! -e "$out.tmp" ] || { echo "output file was left behind"; exit 1; }
echo "no file left behind"
