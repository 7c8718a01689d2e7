#!/usr/bin/env bash
# Installs Label Studio into its own venv (.venv-ls) for the integration tests.
# Kept apart from .venv because label-studio pins packages (e.g. numpy via opencv)
# that would clash with labelaudit's own environment. Idempotent.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LABELSTUDIO_VENV:-$ROOT/.venv-ls}"
VERSION_SPEC="${LABELSTUDIO_VERSION:-1.23.*}"
PYTHON="${PYTHON:-python3}"

if [ -x "$VENV/bin/label-studio" ] && "$VENV/bin/python" - "$VERSION_SPEC" <<'PY'
import sys
from importlib.metadata import version
want = sys.argv[1].rstrip("*").rstrip(".")
sys.exit(0 if version("label-studio").startswith(want) else 1)
PY
then
  echo "label-studio already installed in $VENV ($("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("label-studio"))'))"
  exit 0
fi

"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "label-studio==$VERSION_SPEC"
echo "installed label-studio $("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("label-studio"))') into $VENV"
