#!/usr/bin/env bash
# Installs everything bluestone-forms and its tests need on a fresh Debian 12 machine with
# Python 3.11+: the Debian packages (LibreOffice headless, poppler-utils, pdftk-java, qpdf,
# Pango and fonts for WeasyPrint, locales for the en_GB/en_US locales the real-client tests
# compile privately), then a virtual environment in .venv with the package.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  # Calc in full, not -nogui: the -nogui package leaves out Calc's dialog and bar layouts
  # (modules/scalc/ui/*.ui), and a headless Calc that a person's typing drives builds its input
  # bar on a timer (posbox.ui); without the file soffice aborts mid-typing (seen: Debian
  # 4:7.4.7-1+deb12u14). Writer's -nogui has what the Writer tests use.
  libreoffice-core libreoffice-writer-nogui libreoffice-calc python3-uno
  locales
  poppler-utils pdftk-java qpdf chromium
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-liberation2
  postgresql  # the shared store's tests (issue 21): Debian 12's PostgreSQL 15
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
if ! .venv/bin/python -c "import bluestone_forms, pytest, hypothesis" 2>/dev/null \
   || [ pyproject.toml -nt .venv/.installed ] || [ constraints.txt -nt .venv/.installed ]; then
  echo "setup: installing bluestone-forms and test tools into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -c constraints.txt -e '.[test]'
  touch .venv/.installed
fi
