#!/usr/bin/env bash
# The README's main job: set up, then generate the pack, make sample returns, read them back,
# collate them and write the report, all under output/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/bluestone-forms demo -o output "$@"
