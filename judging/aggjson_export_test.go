package judging

// AppendJSONString is appendString, for aggjson_test.go.
var AppendJSONString = appendString
