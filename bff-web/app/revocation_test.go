package app

import (
	"context"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"bffsuite.dev/shared/identity/localidp"
	"bffsuite.dev/shared/revocation"
	"bffsuite.dev/shared/store/dynamo"
	"bffsuite.dev/shared/testenv"
)

// replay is a second browser holding a saved copy of b's cookies and CSRF token.
func replay(b *browser, on *testApp) *browser {
	c := on.browser(b.t)
	c.jar, c.csrf = maps.Clone(b.jar), b.csrf
	return c
}

// checkReplayRefused: the copied cookies no longer open a session, for reading and for
// changing state, and the answer deletes them.
func checkReplayRefused(t *testing.T, c *browser) {
	t.Helper()
	if res := c.do("GET", "/api/account", nil); res.status != http.StatusUnauthorized || res.problem(t).Code != codeSessionInvalid {
		t.Errorf("GET /api/account with cookies saved before logout = %d %s, want 401 %s", res.status, res.body, codeSessionInvalid)
	}
	if len(c.jar) != 0 {
		t.Errorf("cookies after the refused replay = %v, want deleted", keys(c.jar))
	}
}

// TestLogoutRevokesSavedCookies: with the default revalidation interval (1 min), a copy of
// the cookies saved before logout is refused on the very next request, while another session
// of the same user keeps working (revocation is per session).
func TestLogoutRevokesSavedCookies(t *testing.T) {
	a := newTestApp(t, nil)
	if a.cfg.Session.Revalidate < time.Minute {
		t.Fatalf("revalidation interval = %s, want the 1m default for this test", a.cfg.Session.Revalidate)
	}
	b := a.browser(t)
	b.login(localidp.DemoUser, demoPassword)
	other := a.browser(t)
	other.login(localidp.DemoUser, demoPassword)
	saved := replay(b, a)
	if res := saved.do("GET", "/api/account", nil); res.status != http.StatusOK {
		t.Fatalf("GET /api/account with the copied cookies before logout = %d %s, want 200", res.status, res.body)
	}
	saved = replay(b, a)
	if res := b.do("POST", "/auth/logout", nil); res.status != http.StatusNoContent {
		t.Fatalf("POST /auth/logout = %d %s, want 204", res.status, res.body)
	}

	optional := replay(saved, a)
	if res := optional.do("GET", "/auth/session", nil); !strings.Contains(string(res.body), `"authenticated":false`) {
		t.Errorf("GET /auth/session with cookies saved before logout = %s, want authenticated false", res.body)
	}
	unsafe := replay(saved, a)
	if res := unsafe.do("PATCH", "/api/account", map[string]any{"name": "Mallory"}); res.status != http.StatusUnauthorized {
		t.Errorf("PATCH /api/account with cookies saved before logout = %d %s, want 401", res.status, res.body)
	}
	again := replay(saved, a)
	if res := again.do("POST", "/auth/logout", nil); res.status != http.StatusNoContent {
		t.Errorf("POST /auth/logout with cookies of an ended session = %d %s, want 204", res.status, res.body)
	}
	checkReplayRefused(t, saved)

	if res := other.do("GET", "/api/account", nil); res.status != http.StatusOK {
		t.Errorf("GET /api/account in the user's other session = %d %s, want 200", res.status, res.body)
	}
}

// TestLogoutRevokesOnEveryInstance: two bff-web instances on the DynamoDB backend (one
// DynamoDB Local, shared tables and session keys, as two Lambda instances): a session opened
// on A works on B; after logout on A, a saved copy of its cookies is refused by B at once.
func TestLogoutRevokesOnEveryInstance(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d, err := testenv.StartDynamoDBLocal(ctx)
	if err != nil {
		testenv.Missing(t, err.Error())
	}
	t.Cleanup(d.Stop)
	db := d.Client()
	prefix := testenv.DynamoDBTablePrefix(t)
	names := dynamo.TableNames(prefix)
	if err := dynamo.CreateTables(ctx, db, names); err != nil {
		t.Fatalf("CreateTables = %v", err)
	}
	if err := dynamo.CreateIdempotencyTable(ctx, db, prefix+dynamo.TableIdempotency); err != nil {
		t.Fatalf("CreateIdempotencyTable = %v", err)
	}
	if err := revocation.CreateTable(ctx, db, prefix+revocation.TableLogical); err != nil {
		t.Fatalf("revocation.CreateTable = %v", err)
	}
	env := map[string]string{
		"BFF_DATA_BACKEND": "dynamodb", "BFF_DYNAMODB_ENDPOINT": d.Endpoint, "AWS_REGION": "us-east-1",
		"BFF_CURSOR_KEY":    "test-cursor-key-0123456789abcdef",
		"BFF_TABLE_CATALOG": names.Catalog, "BFF_TABLE_CUSTOMERS": names.Customers, "BFF_TABLE_ORDERS": names.Orders,
		"BFF_TABLE_IDEMPOTENCY":         prefix + dynamo.TableIdempotency,
		"BFF_TABLE_SESSION_REVOCATIONS": prefix + revocation.TableLogical,
	}
	instA, instB := newTestApp(t, env), newTestApp(t, env)
	b := instA.browser(t)
	b.login(localidp.DemoUser, demoPassword)
	onB := replay(b, instB)
	if res := onB.do("GET", "/api/account", nil); res.status != http.StatusOK {
		t.Fatalf("GET /api/account on instance B with A's session = %d %s, want 200", res.status, res.body)
	}
	saved := replay(b, instB)
	if res := b.do("POST", "/auth/logout", nil); res.status != http.StatusNoContent {
		t.Fatalf("POST /auth/logout on A = %d %s, want 204", res.status, res.body)
	}
	checkReplayRefused(t, saved)
}
