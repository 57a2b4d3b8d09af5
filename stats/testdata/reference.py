#!/usr/bin/env python3
"""Reference values for the figures package stats computes.

Run from the repository root:  /usr/bin/python3 stats/testdata/reference.py
(Debian's python3-scipy and python3-statsmodels). It writes
stats/testdata/intervals.json, which stats/intervals_test.go reads, and
stats/testdata/figures.json, which stats/figures_test.go reads, and
stats/testdata/weighted.json, which stats/weighted_test.go reads (the Go
tests need only the JSON, not SciPy). See docs/STATISTICS.md.

The other figures, from numpy, SciPy and statsmodels:
- mean, median (numpy.median), sample standard deviation (numpy.std, ddof=1);
- the Wilson score interval's lower bound of the top lists
  (statsmodels.stats.proportion.proportion_confint, method "wilson", at the
  z of 1.96 FaceStat ranks with: alpha = 2 * norm.sf(1.96));
- the Bayesian average of the top lists, (n * mean + m * C) / (n + m);
- percentiles, ties counting half
  (scipy.stats.percentileofscore, kind "mean").

Computed independently of the Go code, from the list of answers:
- YES_NO: the equal-tailed interval of Beta(yes + 1/2, no + 1/2) (Jeffreys).
- NUMBER, SCALE: a Dirichlet posterior over the values min..max with
  alpha_v = count_v + 1/K (prior mass 1 spread evenly over the K values);
  M = sum p_v v has E[M] = sum alpha_v v / alpha0 and
  Var(M) = (sum alpha_v v^2 / alpha0 - E[M]^2) / (alpha0 + 1); the interval
  is the 2.5% and 97.5% quantiles of the Beta distribution on [min, max]
  with that mean and variance.

Weighted answers (each answer x with a weight w, the judge model's):
- W = sum w; n_eff = min(Kish's W^2 / sum w^2, W); the weighted mean and
  mean square sum w x / W and sum w x^2 / W;
- YES_NO: the Jeffreys interval on effective counts,
  Beta(n_eff * share + 1/2, n_eff * (1 - share) + 1/2);
- NUMBER, SCALE: the Dirichlet posterior above with the weighted histogram
  scaled to n_eff answers: alpha_v = n_eff * (sum of w at v) / W + 1/K;
- the ranking score (stats.Rank): the lower end of the same interval taken
  around the adjusted figure when there is one: for NUMBER and SCALE the
  Dirichlet moments with the data's part having mean = the adjusted mean and
  the weighted variance (sum alpha_v v = n_eff * adjusted + sum v / K,
  sum alpha_v v^2 = n_eff * (variance + adjusted^2) + sum v^2 / K); for YES_NO
  the Jeffreys interval above with the adjusted share.
"""
import json
import os

import numpy as np
from scipy.stats import beta, norm, percentileofscore
from statsmodels.stats.proportion import proportion_confint

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
    return beta_on(lo, hi, (alpha * values).sum() / a0, (alpha * values**2).sum() / a0, a0)


def beta_on(lo, hi, em, em2, a0):
    """The interval of the Beta on [lo, hi] matching the mean answer M whose
    Dirichlet posterior (total alpha0 = a0) has E[M] = em and
    sum alpha_v v^2 / alpha0 = em2."""
    var = (em2 - em**2) / (a0 + 1)
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


def figure_cases():
    """Lists of answers for mean, median and standard deviation."""
    yield "two answers", [9, 10]
    yield "odd count", [3, 7, 7, 8, 10]
    yield "even count", [1, 2, 9, 10]
    yield "ages", [18, 22, 25, 25, 27, 30, 31, 33, 35, 40, 44, 52, 61, 70] * 3
    yield "all equal", [6] * 12


def wilson_cases():
    """(yes, n) for the top lists' Wilson lower bound at z = 1.96."""
    return [(0, 1), (1, 1), (1, 2), (7, 10), (0, 10), (10, 10), (612, 1000), (3, 250)]


def bayes_cases():
    """(mean, n, prior mean, prior weight) for the Bayesian average."""
    return [(9.0, 2, 6.0, 10.0), (9.0, 200, 6.0, 10.0), (3.5, 10, 6.2, 10.0), (41.3, 57, 35.0, 10.0)]


def percentile_cases():
    """(scores, x) for percentiles, ties counting half."""
    return [([1.0, 2.0, 3.0, 4.0], 3.0), ([5.0, 5.0, 5.0], 5.0), ([2.5, 3.5, 7.25, 8.0, 9.0], 7.25),
            ([1.0, 2.0], 0.5), ([1.0, 2.0], 9.0), ([4.0, 4.5, 4.5, 6.0, 7.0, 7.0, 7.0, 9.5], 7.0)]


def figures():
    z = 1.96
    return {
        "answers": [{"name": n, "answers": a, "mean": float(np.mean(a)), "median": float(np.median(a)),
                     "stddev": float(np.std(a, ddof=1))} for n, a in figure_cases()],
        "wilson": [{"yes": yes, "n": n, "z": z,
                    "low": float(proportion_confint(yes, n, alpha=2 * norm.sf(z), method="wilson")[0])}
                   for yes, n in wilson_cases()],
        "bayes": [{"mean": m, "n": n, "priorMean": c, "priorWeight": w, "value": (n * m + w * c) / (n + w)}
                  for m, n, c, w in bayes_cases()],
        "percentile": [{"scores": sc, "x": x, "value": float(percentileofscore(sc, x, kind="mean"))}
                       for sc, x in percentile_cases()],
    }


def weighted_cases():
    """(name, kind, min, max, answers, weights, adjusted figure or None)."""
    yield "9 and 10, the 10 from a new judge", "SCALE", 1, 10, [9, 10], [1, 0.1], None
    yield "15 judges averaging 7, each 0.625", "SCALE", 1, 10, [6, 7, 8] * 5, [0.625] * 15, 6.8
    yield "25 sessions of one network giving 10", "SCALE", 1, 10, [10] * 25, [0.008] * 25, None
    yield "harsh judges' 5s, adjusted", "SCALE", 1, 10, [4, 5, 5, 6, 5, 5, 4, 6, 5, 5], \
        [1, .8, .6, .5, 1, .7, .9, .5, 1, .6], 6.714285714
    yield "lenient judges' 7s, adjusted", "SCALE", 1, 10, [6, 7, 7, 8, 7, 7, 6, 8, 7, 7], \
        [1, .8, .6, .5, 1, .7, .9, .5, 1, .6], 5.285714286
    yield "ages, mixed weights", "NUMBER", 1, 100, [18, 22, 25, 25, 27, 30, 31, 33, 35, 40, 44, 52], \
        [1, .1, .5, .5, .75, 1, 1, .2, .9, .1, .6, 1], 29.5
    yield "weights above 1 (Kish binds)", "SCALE", 1, 10, [3, 7, 9], [2, 2, 1], None
    yield "yes/no, mixed weights", "YES_NO", 0, 1, [1, 1, 0, 1, 0, 1], [1, .5, .25, .1, 1, .7], None
    yield "yes/no, adjusted share", "YES_NO", 0, 1, [1, 1, 0, 1, 0, 1, 1, 0], [1, 1, 1, .5, .5, .5, .1, .1], 0.4
    yield "ten yes at 0.1", "YES_NO", 0, 1, [1] * 10, [0.1] * 10, None


def weighted_case(kind, lo, hi, answers, weights, adjusted):
    x, w = np.array(answers, dtype=float), np.array(weights, dtype=float)
    total = w.sum()
    neff = min(total**2 / (w**2).sum(), total)
    mean, meansq = (w * x).sum() / total, (w * x * x).sum() / total
    if kind == "YES_NO":
        low, high = (beta.ppf(p, neff * mean + 0.5, neff * (1 - mean) + 0.5) for p in (TAIL, 1 - TAIL))
        share = mean if adjusted is None else adjusted
        rank = beta.ppf(TAIL, neff * share + 0.5, neff * (1 - share) + 0.5)
    else:
        values = np.arange(lo, hi + 1, dtype=float)
        k = len(values)
        hist = np.array([w[x == v].sum() for v in values])
        alpha = neff * hist / total + 1.0 / k
        a0 = alpha.sum()
        low, high = beta_on(lo, hi, (alpha * values).sum() / a0, (alpha * values**2).sum() / a0, a0)
        center = mean if adjusted is None else adjusted
        var = meansq - mean**2
        s1 = neff * center + values.sum() / k
        s2 = neff * (var + center**2) + (values**2).sum() / k
        rank = beta_on(lo, hi, s1 / a0, s2 / a0, a0)[0]
    return {"weight": float(total), "neff": float(neff), "mean": float(mean), "meansq": float(meansq),
            "low": float(low), "high": float(high), "rank": float(rank)}


def write(name, value):
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    with open(path, "w") as f:
        json.dump(value, f, indent=1)
        f.write("\n")


def main():
    out = []
    for name, kind, lo, hi, answers in cases():
        low, high = yes_no(answers) if kind == "YES_NO" else mean_answer(answers, lo, hi)
        out.append({"name": name, "kind": kind, "min": lo, "max": hi,
                    "answers": answers, "low": float(low), "high": float(high)})
    write("intervals.json", out)
    write("figures.json", figures())
    write("weighted.json", [dict(name=n, kind=k, min=lo, max=hi, answers=a, weights=w, adjusted=adj,
                                 **weighted_case(k, lo, hi, a, w, adj))
                            for n, k, lo, hi, a, w, adj in weighted_cases()])


if __name__ == "__main__":
    main()
