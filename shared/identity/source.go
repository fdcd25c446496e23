package identity

import "context"

type sourceKey struct{}

// WithSourceAddress returns ctx carrying the network address of the end user a call is made for
// (the BFF's client IP). Providers use it to throttle failed attempts per source address rather
// than per account, so that nobody can lock a stranger out of their account.
func WithSourceAddress(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, sourceKey{}, addr)
}

// SourceAddress is the address WithSourceAddress stored in ctx, or "" when none was.
func SourceAddress(ctx context.Context) string {
	s, _ := ctx.Value(sourceKey{}).(string)
	return s
}
