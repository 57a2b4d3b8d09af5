#!/usr/bin/env python3
"""Reference values for stats.Summarize's 95% credible intervals.

Run from the repository root:  python3 stats/testdata/reference.py
It writes stats/testdata/intervals.json, which stats/intervals_test.go reads
(the Go test needs only the JSON, not SciPy). See docs/STATISTICS.md.

Computed independently of the Go code, from the list of answers:
- YES_NO: the equal-tailed interval of Beta(yes + 1/2, no + 1/2) (Jeffreys).
- NUMBER, SCALE: a Dirichlet posterior over the values min..max with
  alpha_v = count_v + 1/K (prior mass 1 spread evenly over the K values);
  M = sum p_v v has E[M] = sum alpha_v v / alpha0 and
  Var(M) = (sum alpha_v v^2 / alpha0 - E[M]^2) / (alpha0 + 1); the interval
  is the 2.5% and 97.5% quantiles of the Beta distribution on [min, max]
  with that mean and variance.
"""
import json
import os

import numpy as np
from scipy.stats import beta

LEVEL = 0.95
TAIL = (1 - LEVEL) / 2


def yes_no(answers):
    yes = sum(answers)
    no = len(answers) - yes
    a, b = yes + 0.5, no + 0.5
    return beta.ppf(TAIL, a, b), beta.ppf(1 - TAIL, a, b)


def mean_answer(answers, lo, hi):
    values = np.arange(lo, hi + 1, dtype=float)
    counts = np.array([answers.count(v) for v in range(lo, hi + 1)], dtype=float)
    alpha = counts + 1.0 / len(values)
    a0 = alpha.sum()
    em = (alpha * values).sum() / a0
    var = ((alpha * values**2).sum() / a0 - em**2) / (a0 + 1)
    span = hi - lo
    m, v = (em - lo) / span, var / span**2
    common = m * (1 - m) / v - 1
    a, b = m * common, (1 - m) * common
    return lo + span * beta.ppf(TAIL, a, b), lo + span * beta.ppf(1 - TAIL, a, b)


def cases():
    yield "10 and 10 on 1-10", "SCALE", 1, 10, [10, 10]
    yield "9 and 10 on 1-10", "SCALE", 1, 10, [9, 10]
    yield "30 and 30 on the age range 1-100", "NUMBER", 1, 100, [30, 30]
    yield "30 and 40 on the age range 1-100", "NUMBER", 1, 100, [30, 40]
    yield "one answer of 7 on 1-10", "SCALE", 1, 10, [7]
    yield "one answer of 1 on 1-10", "SCALE", 1, 10, [1]
    yield "one answer of 25 on 1-100", "NUMBER", 1, 100, [25]
    yield "many answers on 1-10", "SCALE", 1, 10, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] * 5 + [7] * 30
    yield "200 answers of 10 on 1-10", "SCALE", 1, 10, [10] * 200
    yield "many ages on 1-100", "NUMBER", 1, 100, [18, 22, 25, 25, 27, 30, 31, 33, 35, 40, 44, 52, 61, 70] * 7
    yield "one yes", "YES_NO", None, None, [1]
    yield "one no", "YES_NO", None, None, [0]
    yield "one yes of two", "YES_NO", None, None, [1, 0]
    yield "all yes (10)", "YES_NO", None, None, [1] * 10
    yield "all no (10)", "YES_NO", None, None, [0] * 10
    yield "7 yes of 10", "YES_NO", None, None, [1] * 7 + [0] * 3
    yield "many answers, 612 yes of 1000", "YES_NO", None, None, [1] * 612 + [0] * 388


def main():
    out = []
    for name, kind, lo, hi, answers in cases():
        low, high = yes_no(answers) if kind == "YES_NO" else mean_answer(answers, lo, hi)
        out.append({"name": name, "kind": kind, "min": lo, "max": hi,
                    "answers": answers, "low": float(low), "high": float(high)})
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "intervals.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
