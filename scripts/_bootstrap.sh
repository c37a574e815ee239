# Sourced by scripts/test and scripts/demo: find uv, or install it, and go to the repo root.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if ! command -v uv >/dev/null 2>&1; then
  for candidate in "$HOME/.local/bin/uv" "$HOME/.cargo/bin/uv"; do
    if [ -x "$candidate" ]; then PATH="$(dirname "$candidate"):$PATH"; fi
  done
fi
if ! command -v uv >/dev/null 2>&1; then
  echo "uv not found: installing it from PyPI (python3 -m pip install --user uv)" >&2
  python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv
  PATH="$HOME/.local/bin:$PATH"
fi
export PATH
export UV_PYTHON="${UV_PYTHON:-3.11}"
# Only interpreters already on the machine: this workplace reaches PyPI, not Python downloads.
export UV_PYTHON_DOWNLOADS="${UV_PYTHON_DOWNLOADS:-never}"
