#!/usr/bin/env bash
# Set up everything the tests need on a fresh Debian machine, then run the whole suite.
# Debian packages: LibreOffice (the CI stand-in for Excel), python3-uno, CJK fonts, poppler-utils.
# Python: a virtual environment .venv (unless one is active) with the package and its test extras.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
/usr/bin/python3 -c 'import uno' >/dev/null 2>&1 || need+=(python3-uno)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
{ command -v fc-list >/dev/null 2>&1 && fc-list | grep -qi 'Noto Sans CJK'; } || need+=(fonts-noto-cjk)
if [ "${#need[@]}" -gt 0 ]; then
  echo "== installing Debian packages: ${need[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ -z "${VIRTUAL_ENV:-}" ]; then
  if [ ! -x .venv/bin/python ]; then
    "${PYTHON:-python3}" -m venv .venv
  fi
  # shellcheck disable=SC1091
  . .venv/bin/activate
fi
echo "== installing Python packages"
python -m pip install -q --upgrade pip
python -m pip install -q -e ".[test]"

echo "== ruff"
lint=(python tests)
for extra in bench scripts; do if [ -d "$extra" ]; then lint+=("$extra"); fi; done
ruff check "${lint[@]}"
echo "== mypy"
mypy
if python -c 'import invoicetools.build as b; assert hasattr(b, "check_committed")' 2>/dev/null; then
  echo "== committed workbook and add-in equal a fresh build"
  python -m invoicetools.build --check
fi
echo "== pytest"
python -m pytest -q "$@"
