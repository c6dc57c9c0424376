#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Collects the workbench's user-visible strings into translations/*.ts (lupdate, from
# qt6-l10n-tools) and fills them from scripts/translations.py, which fails on a string it has no
# translation for. Run after adding or changing a tr() string; the build compiles the .ts files.
set -euo pipefail
cd "$(dirname "$0")/.."
LUPDATE="${LUPDATE:-/usr/lib/qt6/bin/lupdate}"
"$LUPDATE" app/gui views -ts translations/computelens_ja.ts translations/computelens_vi.ts -no-obsolete -locations none
python3 scripts/translations.py
echo "translations: complete"
