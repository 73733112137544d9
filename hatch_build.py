"""Build hook: the web UI's front-end assets, fetched from the npm registry at build time (issue 7).

The UI draws its charts with Apache ECharts, served from the app's own static
files (no CDN, no network access from the page). The file is not committed: at
build time (``pip install .``, also editable) this hook downloads the pinned
release tarball from the npm registry, checks it against the registry's
``sha512`` integrity string, and writes ``dist/echarts.min.js`` and the licence
into ``disburse/web/static/vendor/echarts/`` (ignored by git), which the wheel
then includes.

Without the npm registry the build still succeeds: it warns, and the pages show
their figures as tables only (every chart has its table beside it anyway).
"""

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

ECHARTS_VERSION = "6.1.0"
ECHARTS_URL = f"https://registry.npmjs.org/echarts/-/echarts-{ECHARTS_VERSION}.tgz"
ECHARTS_SHA512 = "q0yaFPggC9FUdsWH4blavRWFmxdrIodbkoKNAjJudAI6CA9gNPxHtV2RcZNEepZVlk4yvBYkOkbk6HIVpIyHZA=="
VENDOR = Path("disburse") / "web" / "static" / "vendor" / "echarts"
FILES = {"package/dist/echarts.min.js": "echarts.min.js", "package/LICENSE": "LICENSE"}


def fetch_echarts(root: Path) -> bool:
    """Put ECharts into the source tree unless it is there already; False if it could not be fetched."""
    target = root / VENDOR
    stamp = target / "VERSION"
    if stamp.exists() and stamp.read_text().strip() == ECHARTS_VERSION and (target / "echarts.min.js").exists():
        return True
    try:
        with urllib.request.urlopen(ECHARTS_URL, timeout=60) as response:
            blob = response.read()
    except OSError as exc:
        print(f"disburse build: ECharts not fetched from the npm registry ({exc}); charts will be tables only",
              file=sys.stderr)
        return False
    digest = base64.b64encode(hashlib.sha512(blob).digest()).decode()
    if digest != ECHARTS_SHA512:
        raise RuntimeError(f"echarts-{ECHARTS_VERSION}.tgz does not match its npm integrity string")
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        for member, name in FILES.items():
            extracted = tar.extractfile(member)
            if extracted is None:
                raise RuntimeError(f"{member} missing from echarts-{ECHARTS_VERSION}.tgz")
            (target / name).write_bytes(extracted.read())
    stamp.write_text(ECHARTS_VERSION + "\n")
    return True


class AssetsHook(BuildHookInterface):  # type: ignore[misc]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        if fetch_echarts(root) and version != "editable":
            for name in ("echarts.min.js", "LICENSE", "VERSION"):
                build_data["force_include"][str(root / VENDOR / name)] = str(VENDOR / name)


if __name__ == "__main__":  # python hatch_build.py: fetch the assets into the source tree by hand
    sys.exit(0 if fetch_echarts(Path(__file__).parent) else 1)
