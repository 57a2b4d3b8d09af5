package facestat

import (
	"errors"
	"fmt"
	"time"
)

// Code is a stable error code, sent to clients as extensions.code. Codes are
// part of the public API: they are never renamed (see docs/ERRORS.md).
type Code string

// The error codes of API.md. Each maps to one HTTP status in api/errors.go.
const (
	BadUserInput    Code = "BAD_USER_INPUT"
	Unauthenticated Code = "UNAUTHENTICATED"
	Forbidden       Code = "FORBIDDEN"
	NotFound        Code = "NOT_FOUND"
	Conflict        Code = "CONFLICT"
	RateLimited     Code = "RATE_LIMITED"
	Throttled       Code = "THROTTLED" // a request's cost exceeds what is left of a budget (ratelimit.Budgets)
	Unavailable     Code = "UNAVAILABLE"
	Internal        Code = "INTERNAL"
)

// Reasons refine BAD_USER_INPUT (and a few other codes) for clients that show
// a specific message. Like codes, they are never renamed.
const (
	ReasonFileTooLarge    = "FILE_TOO_LARGE"
	ReasonBodyTooLarge    = "BODY_TOO_LARGE"
	ReasonNotAnImage      = "NOT_AN_IMAGE"
	ReasonImageTooLarge   = "IMAGE_TOO_LARGE"
	ReasonImageTooSmall   = "IMAGE_TOO_SMALL"
	ReasonQuotaReached    = "QUOTA_REACHED"
	ReasonOutOfRange      = "OUT_OF_RANGE"
	ReasonUnknownQuestion = "UNKNOWN_QUESTION"
	ReasonInvalid         = "INVALID"
	ReasonRequired        = "REQUIRED"  // BAD_USER_INPUT: a connection without first or last
	ReasonExclusive       = "EXCLUSIVE" // BAD_USER_INPUT: a connection with both first and last
	ReasonTooLong         = "TOO_LONG"
	ReasonBlockedWord     = "BLOCKED_WORD"
	ReasonConsentRequired = "CONSENT_REQUIRED"
	ReasonTaken           = "TAKEN"
	ReasonWeakPassword    = "WEAK_PASSWORD"
	ReasonBadCredentials  = "BAD_CREDENTIALS"
	ReasonTokenExpired    = "TOKEN_EXPIRED"
	ReasonTokenInvalid    = "TOKEN_INVALID"
	ReasonInvalidToken    = "INVALID_TOKEN" // BAD_USER_INPUT: resetPassword's token is used, expired or unknown
	ReasonCSRF            = "CSRF_TOKEN_INVALID"
	ReasonDepthLimit      = "DEPTH_LIMIT_EXCEEDED"
	ReasonAliasLimit      = "ALIAS_LIMIT_EXCEEDED" // GRAPHQL_VALIDATION_FAILED: more aliases than max-aliases
	ReasonLengthRequired  = "LENGTH_REQUIRED"
	ReasonBusy            = "BUSY"           // UNAVAILABLE: admission control refused the request
	ReasonUploadsPaused   = "UPLOADS_PAUSED" // UNAVAILABLE: uploads are paused by degradation
	ReasonDatabaseDown    = "DATABASE_DOWN"  // UNAVAILABLE: the database does not answer
	ReasonOwnerHidden     = "OWNER_HIDDEN"   // FORBIDDEN: the viewer may see a photo but not who posted it
	ReasonBanned          = "BANNED"         // FORBIDDEN at signIn: the account is banned; BAD_USER_INPUT at signUp: the e-mail is

	// Slow clients (docs/SECURITY.md).
	ReasonBodyTooSlow    = "BODY_TOO_SLOW"       // BAD_USER_INPUT (408): the request body fell below min-body-rate
	ReasonTooManyUploads = "TOO_MANY_UPLOADS"    // RATE_LIMITED: max-uploads-per-ip uploads in flight from the address
	ReasonTooManySockets = "TOO_MANY_SOCKETS"    // RATE_LIMITED: ws-max-sockets-per-ip WebSockets open from the address
	ReasonTooManyOps     = "TOO_MANY_OPERATIONS" // BAD_USER_INPUT: ws-max-operations in flight on the WebSocket
)

// Data exports (GET /exports/<id>, docs/PRIVACY.md).
const (
	ReasonExportTooLarge = "EXPORT_TOO_LARGE" // CONFLICT: the account's data is larger than max-export-bytes
	ReasonExportFailed   = "EXPORT_FAILED"    // CONFLICT: building the export failed; ask for a new one
)

// API keys (issue 15).
const (
	ReasonTooManyKeys = "TOO_MANY_KEYS" // BAD_USER_INPUT: the account has its 10 live keys already
	ReasonKeyScope    = "KEY_SCOPE"     // FORBIDDEN: an API key without the scope, or one managing the account
)

// Error is FaceStat's one error type. Domain packages return it; the GraphQL
// error presenter turns it into extensions {code, field, reason, retryAfter}.
// Message is safe to show to a client; wrap internal causes in Err, which is
// logged but never sent.
type Error struct {
	Code       Code
	Message    string
	Field      string        // argument path of the offending input, e.g. "input.file"
	Reason     string        // finer reason, e.g. FILE_TOO_LARGE
	RetryAfter time.Duration // for RATE_LIMITED, THROTTLED and UNAVAILABLE
	Err        error         // internal cause; never shown to clients
}

// Error implements error.
func (e *Error) Error() string {
	msg := string(e.Code) + ": " + e.Message
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with code and a client-safe message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// InputError returns a BAD_USER_INPUT error for the argument at field.
func InputError(field, reason, format string, args ...any) *Error {
	return &Error{Code: BadUserInput, Field: field, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, INTERNAL for
// any other non-nil error and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}
