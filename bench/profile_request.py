"""In-process cost of one ``GET /api/v1/projects/{id}`` against ping and ``GET /me`` (docs/performance.md).

    python -m bench.profile_request [--profile]

Generates a small database (100 projects) in a temporary folder, then times each
request 300 times through the Flask test client and prints the medians in ms;
``--profile`` adds a pyinstrument profile of the project request (pyinstrument
must be installed).
"""

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import bearer
from bench.datagen import Scale, generate
from disburse.adapters.db import Database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        gen = generate(url, Scale(100, 3000, 10_000, "profile"))
        os.environ.update(DISBURSE_DATABASE_URL=url, DISBURSE_SECRET_KEY="bench-secret",
                          DISBURSE_INSTANCE_PATH=str(Path(tmp) / "instance"))
        from bench.wsgi_bench import app

        db = Database(url)
        county = sorted(set(gen.paying_projects.values()))[0]
        project_id = min(p for p, c in gen.paying_projects.items() if c == county)
        headers = bearer(db, f"commerce-{county}")
        client = app.test_client()

        def median_ms(path: str, n: int = 300) -> float:
            times = []
            for _ in range(n):
                start = time.perf_counter()
                response = client.get(path, headers=headers)
                times.append(time.perf_counter() - start)
                assert response.status_code == 200, response.data
            return statistics.median(times) * 1000

        project = f"/api/v1/projects/{project_id}"
        median_ms(project, 50)
        print(f"ping {median_ms('/bench/ping'):.2f} ms, me {median_ms('/api/v1/me'):.2f} ms, "
              f"project {median_ms(project):.2f} ms")
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler()
            profiler.start()
            median_ms(project, 200)
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False))
        db.dispose()
        app.extensions["disburse.db"].dispose()


if __name__ == "__main__":
    main()
