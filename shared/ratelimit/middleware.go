package ratelimit

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

// CodeRateLimited is the problem code of a 429.
const CodeRateLimited = "rate_limited"

// Identify returns the client a request counts against and its rate tier; ok false lets the
// request through unlimited (e.g. no principal on a public route).
type Identify func(c *gin.Context) (client, tier string, ok bool)

// Middleware takes one token per request from the client's bucket. Every limited response
// carries
//
//	RateLimit-Policy: "<tier>";q=<burst>;w=<seconds to refill>
//	RateLimit:        "<tier>";r=<remaining>;t=<seconds until full>
//
// and a request over the limit gets a 429 problem (code rate_limited) with Retry-After.
// Mount it after authentication.
func Middleware(l *Limiter, identify Identify) gin.HandlerFunc {
	return func(c *gin.Context) {
		client, tier, ok := identify(c)
		if !ok {
			c.Next()
			return
		}
		d, err := l.Allow(client, tier)
		if err != nil {
			problem.Abort(c, problem.Wrap(err, http.StatusInternalServerError, problem.CodeInternal, "An unexpected error occurred."))
			return
		}
		h := c.Writer.Header()
		h.Set("RateLimit-Policy", PolicyHeader(d.Tier))
		h.Set("RateLimit", fmt.Sprintf("%q;r=%d;t=%d", d.Tier.Name, d.Remaining, ceilSeconds(d.Reset)))
		if !d.Allowed {
			retry := max(1, ceilSeconds(d.RetryAfter))
			e := problem.New(http.StatusTooManyRequests, CodeRateLimited,
				fmt.Sprintf("Rate limit of tier %s exceeded (%g requests per second, bursts of %d); retry after %d s.", d.Tier.Name, d.Tier.Rate, d.Tier.Burst, retry))
			e.WithHeader("Retry-After", strconv.Itoa(retry))
			e.Extensions = map[string]any{"retry_after_seconds": retry}
			problem.Abort(c, e)
			return
		}
		c.Next()
	}
}

// PolicyHeader renders the RateLimit-Policy value of t.
func PolicyHeader(t Tier) string {
	return fmt.Sprintf("%q;q=%d;w=%d", t.Name, t.Burst, t.Window())
}

func ceilSeconds(d time.Duration) int { return int(math.Ceil(d.Seconds())) }
