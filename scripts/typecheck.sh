#!/usr/bin/env bash
# Type-check the installed `chronogan` package (config: [tool.mypy] in pyproject.toml).
# mypy cannot follow setuptools' package-dir mapping (service/ -> chronogan.service, training/ ->
# chronogan.training) through the editable install's import hook, so it checks a tree of symlinks laid out
# as the wheel installs it.
set -euo pipefail
cd "$(dirname "$0")/.."
tree=.mypy_tree
rm -rf "$tree" && mkdir -p "$tree/chronogan"
for entry in chronogan/*; do
  [ "$(basename "$entry")" = "__pycache__" ] || ln -s "../../$entry" "$tree/chronogan/"
done
ln -s ../../service "$tree/chronogan/service"
ln -s ../../training "$tree/chronogan/training"
cd "$tree" && exec ../.venv/bin/mypy --config-file ../pyproject.toml -p chronogan "$@"
