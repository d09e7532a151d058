#!/usr/bin/python3
"""Golden numbers for tests/data from scikit-learn (Debian's python3-sklearn).

Writes, into tests/fixtures/data/:
  unconv_stats.csv   MinMaxScaler data_min_/data_max_ and StandardScaler mean_/scale_ of the
                     columns Por, Perm, AI, Brittle, TOC, VR, Prod of unconv_MV_v4.csv, fitted
                     on the first 150 rows (the "training rows" of the test);
  unconv_scaled.csv  the same three scalers (MinMaxScaler(), MinMaxScaler((-1, 1)),
                     StandardScaler()), fitted on the first 150 rows, applied to all 200 rows.
Numbers are written with repr() (shortest round-trip form), so they read back exactly.

Run from the repository root:  /usr/bin/python3 tools/data_golden.py [OUTPUT_DIR]
(OUTPUT_DIR defaults to tests/fixtures/data; test data_fixtures_regenerate_from_sklearn writes
to a scratch folder and compares.)
"""
import csv
import os
import sys

import numpy as np
from sklearn.preprocessing import MinMaxScaler, StandardScaler

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = os.path.join(ROOT, "..", "shared", "data", "geodatasets", "unconv_MV_v4.csv")
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "fixtures", "data")
COLUMNS = ["Por", "Perm", "AI", "Brittle", "TOC", "VR", "Prod"]
TRAIN = 150

with open(SOURCE, newline="") as f:
    records = list(csv.DictReader(f))
X = np.array([[float(r[c]) for c in COLUMNS] for r in records], dtype=np.float64)
assert X.shape == (200, 7)
train = X[:TRAIN]

scalers = {
    "minmax01": MinMaxScaler().fit(train),
    "minmax11": MinMaxScaler(feature_range=(-1, 1)).fit(train),
    "standard": StandardScaler().fit(train),
}

with open(os.path.join(OUT, "unconv_stats.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["stat"] + COLUMNS)
    w.writerow(["min"] + [repr(float(v)) for v in scalers["minmax01"].data_min_])
    w.writerow(["max"] + [repr(float(v)) for v in scalers["minmax01"].data_max_])
    w.writerow(["mean"] + [repr(float(v)) for v in scalers["standard"].mean_])
    w.writerow(["std"] + [repr(float(v)) for v in scalers["standard"].scale_])

with open(os.path.join(OUT, "unconv_scaled.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["scaling", "row"] + COLUMNS)
    for name, scaler in scalers.items():
        for i, row in enumerate(scaler.transform(X)):
            w.writerow([name, i] + [repr(float(v)) for v in row])
