#!/usr/bin/env python3
"""Python against C++: one bulk upsert of the same rows through each.

    python3 bench/python_bulk.py [--rows 100000] [--reps 5] [--build build]

The rows are generated the same way every run, before any timing: dicts as an
application holds them (names, company, title, about 160 bytes of
customFields), about 2% of them an earlier row's email typed differently
(updates, not new leads).
Each repetition, on fresh database files, times

- C++: CampaignEngine::bulkUpsert(campaign, rows) on rows already parsed
  into LeadRow (build/bench/leadterra_bulk_rows, given the same rows as a
  JSON body it reads before timing);
- Python: Engine.bulk_upsert(campaign, rows) on the list of dicts: the
  serialization with json.dumps, the ctypes call, the C API's parse of the
  body and the same C++ call, and the result's json.loads;

the two alternating which goes first. Prints the medians, the rates (rows
per second) and the ratio Python / C++ (target: 0.7 or more). Exits 1 when
the two report different counts. docs/benchmarks.md records a run.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FIRST = ["Ava", "Marcus", "Priya", "Chen", "Lucas", "Sofia", "Noah", "Emma", "Liam", "Olivia", "Mateo", "Yuki",
         "Amara", "Jonas", "Elena", "Omar", "Hana", "Diego", "Freya", "Ravi"]
LAST = ["Smith", "Chen", "Patel", "Garcia", "Müller", "Rossi", "Kim", "Novak", "Okafor", "Silva", "Dubois",
        "Larsen", "Tanaka", "Haddad", "Kowalski", "Moreau", "Singh", "Brown", "Ivanova", "Costa"]
WORDS = ["blue", "harbor", "analytics", "build", "fast", "acme", "north", "peak", "cloud", "data", "river",
         "stone", "bright", "labs", "logic", "works", "signal", "forge", "prime", "atlas"]
TITLES = ["Head of Sales", "VP Marketing", "CTO", "Founder", "Growth Lead", "RevOps Manager", "SDR Manager",
          "Director of Engineering", "COO", "Account Executive"]
CITIES = ["Berlin", "Austin", "Lisbon", "Toronto", "Singapore", "Paris", "Denver", "Sydney", "Oslo", "Madrid"]
INDUSTRIES = ["SaaS", "Fintech", "Logistics", "Healthcare", "Retail", "Manufacturing", "Media", "Education"]

STEPS = {"steps": [{
    "subject": "Quick question about {{company|your team}}, {{firstName}}",
    "body": ("Hi {{firstName|there}},\n\nI noticed {{company}} is growing its {{customFields.industry}} team in "
             "{{customFields.city}}. Teams like yours usually spend hours every week on manual prospecting "
             "and follow-ups that never get answered. We help {{jobTitle}}s automate the boring part so the "
             "team can focus on real conversations.\n\nWould it be worth a 15-minute call next week to see "
             "whether it fits {{company}}?\n\nBest,\nSam"),
    "delayDays": 0}]}


def make_rows(count, state=20250610):
    rng = random.Random(state)
    companies = []
    for i in range(5000):
        name = "%s %s" % (rng.choice(WORDS).title(), rng.choice(WORDS).title())
        companies.append((name, "%s-%s%d.com" % (name.split()[0].lower(), name.split()[1].lower(), i)))
    rows = []
    for i in range(count):
        if rows and rng.random() < 0.02:
            earlier = rows[rng.randrange(len(rows))]
            rows.append({"email": " %s " % earlier["email"].upper(), "jobTitle": rng.choice(TITLES)})
            continue
        first, last = rng.choice(FIRST), rng.choice(LAST)
        company, domain = rng.choice(companies)
        rows.append({
            "email": "%s.%s.%d@%s" % (first.lower(), last.lower().replace("ü", "u"), i, domain),
            "firstName": first,
            "lastName": last,
            "company": company,
            "jobTitle": rng.choice(TITLES),
            "customFields": {
                "city": rng.choice(CITIES),
                "industry": rng.choice(INDUSTRIES),
                "employees": rng.randrange(5, 5000),
                "linkedin": "https://www.linkedin.com/in/%s-%s-%06d" % (first.lower(), last.lower(), i),
                "source": rng.choice(["csv", "crm", "webinar", "referral"]),
                "score": round(rng.random() * 100, 1),
            },
        })
    return rows


def run_cpp(driver, body_path, steps_path, db):
    out = subprocess.run([str(driver), str(body_path), str(steps_path), str(db)], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out)


def run_python(leadterra, rows, db):
    with leadterra.open(db) as engine:
        engine.create_workspace("ws_bench", "Bench")
        engine.create_campaign("ws_bench", "camp_bench", "Bench", STEPS)
        start = time.perf_counter()
        r = engine.bulk_upsert("camp_bench", rows)
        seconds = time.perf_counter() - start
    return dict(r, seconds=seconds, rows=len(rows))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--build", default=str(ROOT / "build"), help="the CMake build directory")
    parser.add_argument("--dir", default=None, help="where the scratch databases go")
    parser.add_argument("--json", default=None, help="also write the samples and medians here")
    args = parser.parse_args()

    build = Path(args.build).resolve()
    os.environ.setdefault("LEADTERRA_LIBRARY", str(build / "libleadterra_c.so"))
    sys.path.insert(0, str(ROOT / "python"))
    import leadterra
    driver = build / "bench" / "leadterra_bulk_rows"
    if not driver.exists():
        sys.exit("no %s: cmake --build %s --target leadterra_bulk_rows leadterra_c" % (driver, build))

    rows = make_rows(args.rows)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        tmp = Path(tmp)
        body_path, steps_path = tmp / "body.json", tmp / "steps.json"
        body_path.write_text(json.dumps({"leads": rows}))
        steps_path.write_text(json.dumps(STEPS))
        start = time.perf_counter()
        body = json.dumps({"leads": rows}, separators=(",", ":"), ensure_ascii=False)
        dumps_seconds = time.perf_counter() - start
        print("leadterra %s (%s); %d rows, %.1f MB as JSON; %d repetitions"
              % (leadterra.version(), leadterra.LIBRARY_PATH, len(rows), len(body.encode()) / 1e6, args.reps))
        del body

        samples = {"cpp": [], "python": []}
        counts = set()
        for rep in range(args.reps):
            order = ["cpp", "python"] if rep % 2 == 0 else ["python", "cpp"]
            for side in order:
                db = tmp / ("%s-%d.db" % (side, rep))
                r = run_cpp(driver, body_path, steps_path, db) if side == "cpp" else run_python(leadterra, rows, db)
                samples[side].append(r["seconds"])
                counts.add((side, r["enrolled"], r["updated"], r["skipped"], r["failed"]))
                for suffix in ("", "-wal", "-shm"):
                    Path(str(db) + suffix).unlink(missing_ok=True)
            print("  rep %d: C++ %.3f s, Python %.3f s" % (rep + 1, samples["cpp"][-1], samples["python"][-1]))

    by_side = {}
    for side, *c in counts:
        by_side.setdefault(side, set()).add(tuple(c))
    cpp_s, py_s = statistics.median(samples["cpp"]), statistics.median(samples["python"])
    cpp_rate, py_rate = len(rows) / cpp_s, len(rows) / py_s
    ratio = py_rate / cpp_rate
    print("C++    bulkUpsert(rows)        median %.3f s  %9.0f rows/s" % (cpp_s, cpp_rate))
    print("Python bulk_upsert(list[dict]) median %.3f s  %9.0f rows/s  (json.dumps alone: %.3f s)"
          % (py_s, py_rate, dumps_seconds))
    print("ratio Python / C++: %.2f (target >= 0.70)" % ratio)
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": len(rows), "samples": samples, "cppRate": cpp_rate,
                                               "pythonRate": py_rate, "ratio": ratio,
                                               "dumpsSeconds": dumps_seconds}, indent=2))
    if len(by_side.get("cpp", ())) != 1 or by_side.get("cpp") != by_side.get("python"):
        print("counts differ: %r" % by_side)
        return 1
    enrolled, updated, skipped, failed = next(iter(by_side["cpp"]))
    print("counts (both): enrolled %d, updated %d, skipped %d, failed %d" % (enrolled, updated, skipped, failed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
