# Sourced by scripts/run and scripts/test: makes sure every Debian package the
# build needs is installed. As root it runs apt-get; otherwise it prints the
# exact apt-get line and stops, so nothing is half-installed behind your back.
TXRAY_PACKAGES=(
  cmake ninja-build g++ pkg-config
  libtbb-dev libglm-dev libsdl2-dev libfreetype-dev libstb-dev nlohmann-json3-dev libtinyobjloader-dev
  libgtest-dev libbenchmark-dev
  liburcu-dev
)

txray_ensure_packages() {
  local missing=() p
  for p in "${TXRAY_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "txray: missing Debian packages: ${missing[*]}" >&2
    echo "install them with:  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "txray: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; } ||
    { echo "txray: apt-get install ${missing[*]} failed" >&2; exit 1; }
}
