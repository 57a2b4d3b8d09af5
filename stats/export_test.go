package stats

// BetaCDF is the regularized incomplete beta function I_x(a, b).
func BetaCDF(x, a, b float64) float64 { return betaInc(a, b, x, 1-x, logBeta(a, b)) }

// BetaQuantileEvals is BetaQuantile with the evaluations of the
// incomplete beta function its search took.
var BetaQuantileEvals = betaQuantile
