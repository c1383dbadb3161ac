"""Package layout: everything installs under the one import name `chronogan`.

The repository keeps `service/` and `training/` at the top level (the two worlds), while the wheel maps them
to `chronogan.service` and `chronogan.training`; `chronogan/` itself holds the CLI and the torch-free
artifact contract that both sides use. Metadata lives in pyproject.toml; only the mapping is computed here,
because setuptools' declarative `packages.find` cannot rename packages. A checkout without `training/`
(the slim Docker stage) builds a wheel without it.
"""

from pathlib import Path

from setuptools import find_packages, setup

ROOT = Path(__file__).parent
MAPPED = {"chronogan.service": "service", "chronogan.training": "training"}

packages = find_packages(include=["chronogan", "chronogan.*"])
for name, folder in MAPPED.items():
    if (ROOT / folder / "__init__.py").exists():
        packages += [name] + [f"{name}.{sub}" for sub in find_packages(where=folder)]

setup(
    packages=packages,
    package_dir={"chronogan": "chronogan", **{k: v for k, v in MAPPED.items() if (ROOT / v).exists()}},
)
