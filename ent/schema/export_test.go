package schema

// ParsesByHand reports whether Answers decodes data by hand.
func ParsesByHand(data []byte) bool {
	_, ok := parseAnswers(data)
	return ok
}
