package judging

// The refit's karma steps, for the tests of package judging_test.
var (
	CreditKarma = creditKarma
	SettleKarma = settleKarma
)
