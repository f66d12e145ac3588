#!/usr/bin/env bash
# Moves the modules into packages (see packages.py); run at the repo root on a clean tree.
set -euo pipefail
HERE=scripts/restructure
PY=.venv/bin/python
$PY $HERE/packages.py
# what the import rewrite cannot see: module names built at run time
sed -i 's/_RUN.format(mod="collate"/_RUN.format(mod="collate.run"/; s/_RUN.format(mod="export"/_RUN.format(mod="outputs.export"/' tests/test_faults.py
sed -i 's/import_module(".store_schema", __package__)/import_module(".store.schema", __package__)/' bluestone_forms/cli_store.py
$PY - <<'PYEOF'
from pathlib import Path
p = Path("tests/test_collate.py")
p.write_text(p.read_text().replace(
 '''    code = ("import sys; from pathlib import Path; from bluestone_forms.collate.run import collate; "''',
 '''    code = ("import sys; from pathlib import Path; "
            "from bluestone_forms.collate.run import collate; "'''))
PYEOF
.venv/bin/ruff check --fix -q bluestone_forms tests bench scripts || true
$PY $HERE/ooxml_serial.py
git add -A bluestone_forms tests bench scripts README.md pyproject.toml docs
